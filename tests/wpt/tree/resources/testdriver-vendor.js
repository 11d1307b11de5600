// Push Agent's runner glue, not a WPT file: set_permission sets the permission in the agent's engine (the one
// authority), through a binding the runner installs on the page.
(function () {
  "use strict";
  window.test_driver_internal.set_permission = function (descriptor, state) {
    return window.__wptSetPermission(JSON.stringify(descriptor), String(state));
  };
})();
