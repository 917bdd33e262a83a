// RequireJS loads the jupyter_bokeh widgets from beside this file (copied there by docs/conf.py), not from a CDN.
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  require.config({ paths: { "@bokeh/jupyter_bokeh": here + "jupyter_bokeh" } });
})();
