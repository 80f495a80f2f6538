// The SPARQL editor page: YASGUI on /sparql with the research queries in a picker.
// A file of its own (no inline script) so that the Content-Security-Policy allows only
// scripts from this server; the page passes its settings as JSON data blocks.
(function () {
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  document.getElementById("endpoint").textContent = endpoint;
  var queries = JSON.parse(document.getElementById("research-queries").textContent);
  // Offline: no LOV class/property lookups, only the bundled prefixes and local variables.
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: true,
    yasqe: { value: config.defaultQuery }
  });
  window.cicagraphYasgui = yasgui;
  var tab = yasgui.getTab();
  if (tab && !tab.getQuery().trim()) { tab.setQuery(config.defaultQuery); }
  document.getElementById("query-picker").addEventListener("change", function (e) {
    var q = queries.find(function (x) { return x.name === e.target.value; });
    if (!q) { return; }
    var t = yasgui.addTab(true, { name: q.title });
    t.setQuery(q.query);
  });
})();
