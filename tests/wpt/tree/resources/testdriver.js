// Push Agent's runner glue, not WPT's testdriver.js: only the part of its API that the copied tests call
// (`test_driver.set_permission`), with the same shape: it forwards to `test_driver_internal`, which the vendor file
// fills in. Anything else rejects, as WPT's testdriver does for an action the vendor does not implement.
(function () {
  "use strict";
  window.test_driver_internal = {
    set_permission: function () {
      return Promise.reject(new Error("unimplemented"));
    },
  };
  window.test_driver = {
    set_permission: function (descriptor, state, context) {
      return window.test_driver_internal.set_permission(descriptor, state, context || null);
    },
  };
})();
