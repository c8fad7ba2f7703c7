// The offline reference: Swagger UI over /docs/spec.json, Try It against this page's origin.
// No key is written into the page; the user types one and Swagger UI sends it as X-API-Key.
(function () {
  "use strict";
  const origin = window.location.origin;
  const $ = (id) => document.getElementById(id);

  function setText(id, text) { const el = $(id); if (el) el.textContent = text; }

  // Servers: this mock (the page's own origin) first, then the spec's own list.
  function withOwnOrigin(spec) {
    const others = (spec.servers || []).filter((s) => s.url.replace(/\/+$/, "") !== origin);
    spec.servers = [{ url: origin, description: "This mock (the origin of this page)" }, ...others];
    return spec;
  }

  function apiKeySchemes(spec) {
    const schemes = (spec.components && spec.components.securitySchemes) || {};
    return Object.keys(schemes).filter((n) => schemes[n].type === "apiKey");
  }

  function wireKeyForm(ui, schemes) {
    const form = $("key-form");
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("api-key").value.trim();
      if (!key) { forget(); return; }
      schemes.forEach((name) => ui.preauthorizeApiKey(name, key));
      const status = $("key-status");
      status.textContent = "Key set: Try It sends it as X-API-Key with every request.";
      status.className = "set";
    });
    $("forget-key").addEventListener("click", forget);
    function forget() {
      $("api-key").value = "";
      ui.authActions.logout(schemes);
      const status = $("key-status");
      status.textContent = "No key set: requests go without X-API-Key.";
      status.className = "";
    }
  }

  async function showSeededKeys() {
    try {
      const res = await fetch("/docs/keys.json", { headers: { Accept: "application/json" } });
      const data = await res.json();
      const parts = data.projects.map((p) => `${p.name} (project ${p.id}, rooms ${p.room_prefix}…): ${p.api_key}`);
      setText("seeded-keys", "Keys this mock seeded: " + parts.join(" · "));
      setText("ui-version", `Rendered by Swagger UI ${data.swagger_ui}, served by this mock.`);
    } catch (err) {
      setText("seeded-keys", "Keys this mock seeded: see the start-up banner of voxai-mock.");
    }
  }

  async function main() {
    setText("page-origin", origin);
    setText("curl-origin", origin);
    $("download-environment").href = "/docs/postman/environment.json?base_url=" + encodeURIComponent(origin);
    showSeededKeys();
    const res = await fetch("/docs/spec.json", { headers: { Accept: "application/json" } });
    const spec = withOwnOrigin(await res.json());
    const ui = SwaggerUIBundle({
      spec: spec,
      dom_id: "#swagger-ui",
      deepLinking: true,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      displayOperationId: true,
      tryItOutEnabled: true,
      persistAuthorization: false,
      validatorUrl: null, // the default badge would call validator.swagger.io
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
    window.voxaiDocs = { ui: ui, spec: spec };
    wireKeyForm(ui, apiKeySchemes(spec));
  }

  main();
})();
