// Push Agent's runner glue, not a WPT file: WPT lets each test runner supply its own testharnessreport.js. This one
// leaves the results on the window, where tests/wpt/conformance.test.ts reads them.
add_completion_callback(function (tests, status) {
  self.__wptReport = {
    status: status.status,
    message: status.message || null,
    tests: tests.map(function (t) { return { name: t.name, status: t.status, message: t.message || null }; }),
  };
});
