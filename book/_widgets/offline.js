// Loaded just before embed-amd.js on pages with saved widgets (book/_widgets/README.md).
(function () {
  // 1. Icon fonts.  embed-amd.js defines several AMD modules ("@jupyter-widgets/base",
  //    ".../controls", ".../html-manager/dist/libembed-amd", ...), and each works out the
  //    folder of its Font Awesome files from its own module URL, which require.js
  //    resolves against the page's folder, where there is nothing.  A require.js
  //    configuration (a global `require` object, read by require.js when it loads just
  //    after this script) maps those module folders to the vendored copy in
  //    jupyter-widgets/ beside this script (both are in _static/).
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var vendored = new URL("jupyter-widgets/", here).href;
    if (typeof window.require === "undefined") {
      var dir = vendored.replace(/\/$/, "");
      window.require = {paths: {"@jupyter-widgets": dir,
                                "@jupyter-widgets/html-manager/dist": dir}};
    }
    window.__jupyter_widgets_assets_path__ = vendored;   // read by later loads
  }

  // 2. Math in widget labels.  ipywidgets typesets every label with MathJax 2's API,
  //    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]), whenever window.MathJax
  //    exists; the book loads MathJax 3, which has no Hub.  Give it one that asks
  //    MathJax 3 to typeset the element, once MathJax 3 is ready.
  var hub = {
    Queue: function (job) {
      var element = job && job[2], mj = window.MathJax;
      if (element && mj && mj.typesetPromise) {
        mj.typesetPromise([element]).catch(function () {});
      }
    }
  };
  var mj = window.MathJax;
  if (mj && mj.version) {            // MathJax 3 has already started
    mj.Hub = mj.Hub || hub;
  } else if (mj) {                   // MathJax 3 will start later: mj is its configuration
    mj.Hub = hub;                    // (used by labels drawn before it starts)
    mj.startup = mj.startup || {};
    var ready = mj.startup.ready;
    mj.startup.ready = function () {
      if (ready) { ready(); } else { window.MathJax.startup.defaultReady(); }
      window.MathJax.Hub = window.MathJax.Hub || hub;
    };
  }
})();
