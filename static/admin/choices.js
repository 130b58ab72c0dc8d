// The administration page: the lists every section picks from (towns, categories, hazards).
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { terms } from "../lib/vocabulary.js";
import { fillSelect, publicJson } from "./base.js";

export const townNames = {}; // municipality code → name
export const categoryNames = {};

const TOWN_SELECTS = ["import-municipality", "r-municipality_code", "n-municipality_code", "patients-municipality"];

export async function loadLists() {
  const [towns, categories] = await Promise.all([
    publicJson("/api/v1/public/municipalities"),
    publicJson("/api/v1/public/categories"),
  ]);
  for (const id of TOWN_SELECTS) {
    fillSelect(id, towns.items, (m) => m.code, (m) => m.name + "（" + m.code + "）");
    $(id).querySelectorAll("option").forEach((option) => { option.translate = false; }); // names stay names
  }
  for (const m of towns.items) {
    townNames[m.code] = m.name;
    const option = Object.assign(el("option", null, m.name + "（" + m.code + "）"), { value: m.code });
    option.translate = false; // a town's name is a name
    $("usage-municipality").appendChild(option);
  }
  const categoryName = (c) => pick(c.name_ja, c.name_en);
  fillSelect("r-category", categories.items.filter((c) => c.parent), (c) => c.code, categoryName);
  for (const c of categories.items) categoryNames[c.code] = categoryName(c);
  fillSelect("w-categories", categories.items, (c) => c.code, (c) => (c.parent ? "　" : "") + categoryName(c));
  const hazards = $("r-hazards");
  for (const h of terms("hazards")) {
    const label = el("label", "check");
    const input = el("input");
    input.type = "checkbox";
    input.name = "hazards";
    input.value = h.code;
    label.append(input, el("span", "check-text", h.ja));
    hazards.appendChild(label);
  }
}
