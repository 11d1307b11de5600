// The installer's appId (electron-builder.yml). Windows ties notifications to it through app.setAppUserModelId
// (docs/architecture.md "Notifications"), and the Linux autostart entry is named after it; a unit test keeps the two
// files in step.
export const APP_ID = 'org.pushagent.PushAgent';
