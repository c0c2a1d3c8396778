// Starts Swagger UI on /api/docs. A file, not an inline script: the CSP allows only 'self'.
// An "Operations" heading goes between the title (h1) and the tags (h3), so that the headings
// step down one level at a time; deep links are off because Swagger UI puts each one, a link,
// inside the operation's button (a control within a control, which screen readers trip on).
function operationsHeading(system) {
  var React = system.React;
  return {
    wrapComponents: {
      operations: function (Original) {
        return function (props) {
          return React.createElement(
            "div",
            null,
            React.createElement("h2", { className: "operations-heading" }, "Operations"),
            React.createElement(Original, props)
          );
        };
      }
    }
  };
}

window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    dom_id: "#swagger-ui",
    deepLinking: false,
    tryItOutEnabled: false,
    persistAuthorization: false,
    plugins: [operationsHeading]
  });
});
