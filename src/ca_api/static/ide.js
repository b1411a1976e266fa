// The GraphiQL page's own script (ca_api.ide): a token box, and GraphiQL sending the token.
(function () {
  "use strict";
  var KEY = "ca_api.token";
  var input = document.getElementById("token");
  var state = document.getElementById("token-state");
  input.value = window.sessionStorage.getItem(KEY) || "";

  function show() {
    state.textContent = input.value.trim() ? "token set" : "no token: requests are refused (401)";
  }
  input.addEventListener("input", function () {
    window.sessionStorage.setItem(KEY, input.value.trim());
    show();
  });
  document.getElementById("token-bar").addEventListener("submit", function (e) {
    e.preventDefault();
  });
  show();

  function fetcher(params, options) {
    var token = input.value.trim();
    var headers = token ? { Authorization: "Bearer " + token } : {};
    return GraphiQL.createFetcher({ url: "/graphql", headers: headers })(params, options);
  }

  var initial = new URLSearchParams(window.location.search).get("query");
  var props = { fetcher: fetcher, defaultEditorToolsVisibility: false };
  if (initial) {
    props.query = initial;
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, props));
})();
