// The care client: nearby resources.
import { ApiError, problemLines } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { asWritten, authorized, current, distanceOf, draftKey, failure, getJson, setText, showLines, state } from "./base.js";
import { prependPost } from "./timeline.js";

export async function loadCategories() {
  if (state.categories) return;
  try {
    const resp = await fetch("/api/v1/public/categories");
    if (!resp.ok) return;
    state.categories = (await resp.json()).items || [];
  } catch (e) {
    return;
  }
  const select = $("nearby-category");
  const parents = state.categories.filter((c) => !c.parent);
  parents.forEach((p) => {
    const option = el("option", null, p.name_ja + "（すべて）");
    option.value = p.code;
    select.appendChild(option);
    state.categories.filter((c) => c.parent === p.code).forEach((c) => {
      const child = el("option", null, "　" + c.name_ja);
      child.value = c.code;
      select.appendChild(child);
    });
  });
}

export async function loadNearby() {
  await loadCategories();
  await searchNearby();
}

export async function searchNearby(event) {
  if (event) event.preventDefault();
  const id = state.patientId;
  const category = $("nearby-category").value;
  const radius = $("nearby-radius").value;
  setText("nearby-status", "探しています…");
  $("nearby-search").disabled = true;
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/nearby?radius_m=" + enc(radius) + (category ? "&category=" + enc(category) : ""));
    if (!current(id)) return;
    state.nearby = json.items || [];
    state.nearbyPrintUrl = json.print_url || null;
    renderNearby();
    setText("nearby-status", state.nearby.length
      ? "自宅から近い順に " + state.nearby.length + " 件"
      : "この範囲には見つかりませんでした。範囲を広げてください。");
  } catch (e) {
    if (!current(id)) return;
    state.nearby = [];
    renderNearby();
    const lines = failure(e);
    if (lines) setText("nearby-status", lines.join(" / "));
  } finally {
    $("nearby-search").disabled = false;
  }
}

// One resource as the lists show it: its name, how far from home, what and where, when.
// (Also the places a questionnaire's result suggests: questionnaire-result.js.)
export function resourceText(r) {
  const text = el("span", "pick-text");
  const title = asWritten(el("span", "resource-name", r.name));
  text.append(title, " ", el("span", "distance", distanceOf(r.distance_m)));
  text.appendChild(el("span", "resource-meta", [pick(r.category_name, r.category_name_en), r.address].filter(Boolean).join("・")));
  if (r.schedule_text && r.schedule_text.length) text.appendChild(el("span", "resource-meta", r.schedule_text.join(" / ")));
  return text;
}

// Its phone number as a link to call, or null.
export function resourceTel(r) {
  if (!r.phone) return null;
  const tel = el("a", "tel small-tel", r.phone);
  tel.href = "tel:" + r.phone.replace(/[^0-9+]/g, "");
  return tel;
}

export function renderNearby() {
  const list = $("nearby-list");
  list.textContent = "";
  state.nearby.forEach((r) => {
    const item = el("li", "nearby-item");
    const label = el("label", "pick");
    const box = el("input");
    box.type = "checkbox";
    box.value = r.id;
    box.name = "resource";
    label.append(box, resourceText(r));
    item.appendChild(label);
    const tel = resourceTel(r);
    if (tel) item.appendChild(tel);
    list.appendChild(item);
  });
  // The bar stays away until there is a list: it would cover 探す on a short page.
  $("nearby-actions").hidden = state.nearby.length === 0;
  updatePrintLink();
}

export function checkedResources() {
  return Array.from($("nearby-list").querySelectorAll("input[type=checkbox]:checked")).map((b) => b.value);
}

// The handout of the ticked resources, or of the whole list when none is ticked.
export function updatePrintLink() {
  const link = $("nearby-print");
  const ids = checkedResources();
  $("nearby-selected").textContent = String(ids.length);
  const url = ids.length ? "/resources/print?ids=" + ids.map(enc).join(",") : state.nearby.length ? state.nearbyPrintUrl : null;
  if (url) {
    link.href = url;
    link.removeAttribute("aria-disabled");
    link.classList.remove("disabled");
  } else {
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
    link.classList.add("disabled");
  }
}

// What the introduction will record, shown before it is: for whom, which resources.
export function previewIntroduction() {
  const ids = checkedResources();
  if (ids.length === 0 || ids.length > 20) {
    showLines("nearby-result", ["紹介する資源を1〜20件選んでください。"], false);
    return;
  }
  const who = state.patient ? state.patient.name + "さん" : "この利用者さん";
  setText("introduce-who", who + "のタイムラインに、次の" + ids.length + "件の紹介を記録します。");
  const list = $("introduce-preview");
  list.textContent = "";
  for (const rid of ids) {
    const r = state.nearby.find((x) => x.id === rid);
    const item = el("li");
    item.append(el("strong", null, r ? r.name : rid));
    if (r) item.append(el("span", "resource-meta", [pick(r.category_name, r.category_name_en), distanceOf(r.distance_m), r.phone].filter(Boolean).join("・")));
    list.append(item);
  }
  $("introduce-dialog").returnValue = "";
  $("introduce-dialog").showModal();
  $("nearby-note").focus();
}

export async function introduce() {
  const id = state.patientId;
  const ids = checkedResources();
  if (ids.length === 0 || ids.length > 20) return;
  const input = { resource_ids: ids };
  const note = $("nearby-note").value.trim();
  if (note) input.note = note;
  // The same introduction sent again (after a dropped connection) keeps its key.
  draftKey("introDraft", id, input);
  $("nearby-introduce").disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/nearby/introduce", {
      json: input, headers: { "idempotency-key": state.introDraft.key },
    });
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    const introduced = await resp.json();
    if (!current(id)) return;
    state.introDraft = null;
    const printUrl = introduced.print_url;
    const post = Object.assign({}, introduced);
    delete post.print_url;
    if (state.loaded.timeline) prependPost(post);
    $("nearby-note").value = "";
    const box = $("nearby-result");
    showLines("nearby-result", [ids.length + " 件の紹介をタイムラインに記録しました。"], true);
    const links = el("p", "actions");
    const toTimeline = el("a", "button secondary");
    toTimeline.href = "#/patients/" + enc(id) + "/timeline";
    bilingual(toTimeline, "タイムラインを見る", "Timeline");
    links.appendChild(toTimeline);
    // Only a link of our own portal's handout (a path on this origin) becomes a link.
    if (typeof printUrl === "string" && /^\/resources\/print\?/.test(printUrl)) {
      const print = el("a", "button secondary handout-link");
      print.href = printUrl;
      print.target = "_blank";
      print.rel = "noopener";
      bilingual(print, "この紹介の案内を印刷", "Print this handout");
      links.appendChild(print);
    }
    box.appendChild(links);
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) showLines("nearby-result", lines, false);
  } finally {
    $("nearby-introduce").disabled = false;
  }
}
