// Push Agent's runner glue, not a WPT file: set_permission asks the WPT server (tests/wpt/wpt-server.ts), which sets
// the permission in the agent's engine (the one authority) for the page's origin, as WPT's own server does through
// WebDriver.
(function () {
  "use strict";
  window.test_driver_internal.set_permission = function (descriptor, state) {
    return fetch("/__wpt__/set_permission", {
      method: "POST",
      body: JSON.stringify({ descriptor: descriptor, state: state }),
    }).then(function (res) {
      if (!res.ok) return res.text().then(function (text) { throw new Error(text); });
    });
  };
})();
