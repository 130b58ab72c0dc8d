// The FHIR R4 export of a patient (GET /api/v1/patients/{id}/fhir) checked against HL7's
// own FHIR R4 JSON schema (tests/fixtures/fhir/fhir.schema.json, draft-06, with Ajv). A
// nurse registers a patient through the API, writes two posts and records one reading of
// each kind of vital; the export must be application/fhir+json, valid against the schema,
// and hold one Patient, CareTeam and Consent, a Communication per post and a LOINC-coded
// Observation per reading. The bundle is written to tests/output/fhir-bundle.json to look
// at. No browser: only the HTTP API. Starts its own local host on a free port and stops it.
//
//   node --test tests/browser/fhir.test.mjs      (RAINBOWNET_BIN overrides the binary)

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Ajv from "ajv";
import { apiClient, apiLogin, expectStatus, output, registerProfessional, root, startHost } from "./support.mjs";

const require = createRequire(import.meta.url);

const ADMIN_TOKEN = "fhir-test-admin-token-0123456789abcdef";
const PASSWORD = "correct horse battery staple";
const LOINC = "http://loinc.org";
// One reading of each kind, as the care app and the conformance suite send them: with an
// offset, as a datetime-local field gives it (no seconds, no offset), and without a time
// (the server's now).
const READINGS = [
  { kind: "blood_pressure", value: 132, value2: 84, measured_at: "2026-11-24T09:30:00+09:00" },
  { kind: "pulse", value: 72, measured_at: "2026-11-24T09:31" },
  { kind: "temperature", value: 36.8, measured_at: "2026-11-24T09:32:00+09:00" },
  { kind: "spo2", value: 97, measured_at: "2026-11-24T09:33:00+09:00" },
  { kind: "weight", value: 48.5 },
  { kind: "respiration", value: 16, measured_at: "2026-11-24T09:34:00+09:00" },
];
const LOINC_OF = {
  blood_pressure: "85354-9", pulse: "8867-4", temperature: "8310-5",
  spo2: "59408-5", weight: "29463-7", respiration: "9279-1",
};
const POSTS = [
  "訪問しました。食事は半分ほど摂取。表情は穏やかです。",
  "夜間の咳が増えています。次回の往診で相談をお願いします。",
];

let host;
let api;
let schemaId;
let ajv;
let patientId;
let response;
let bundle;

// --- the schema ----------------------------------------------------------------------------

// HL7's file says draft-06 but names itself with draft-04's "id"; draft-06 reads "$id"
// (Ajv 8 refuses "id"), so its value is moved there. "discriminator" (an OpenAPI keyword)
// is not JSON Schema: non-strict Ajv ignores it and the root oneOf over every resource
// type does the work.
function loadSchema() {
  const { id, ...schema } = JSON.parse(readFileSync(join(root, "tests/fixtures/fhir/fhir.schema.json"), "utf8"));
  assert.equal(id, "http://hl7.org/fhir/json-schema/4.0", "not the FHIR R4 schema");
  const validator = new Ajv({ allErrors: true, strict: false, verbose: true });
  validator.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
  validator.addSchema({ $id: id, ...schema });
  return [validator, id];
}

function describe(errors, prefix = "") {
  return errors.map((e) => {
    const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})`
      : e.params?.allowedValues ? ` (${e.params.allowedValues.join(", ")})` : "";
    const value = e.keyword === "pattern" || e.keyword === "enum" ? ` = ${JSON.stringify(e.data)}` : "";
    return `  ${prefix}${e.instancePath || "/"}${value}: ${e.message}${extra}`;
  });
}

// Every error of a bundle, readable: the root oneOf over 146 resource types reports a
// failing resource as "must match exactly one schema" against each type, so each resource
// is checked again against its own type's definition, and the envelope with the resources
// stubbed out.
function explain(doc) {
  const lines = [];
  const entries = Array.isArray(doc.entry) ? doc.entry : [];
  entries.forEach((entry, i) => {
    const type = entry?.resource?.resourceType;
    const check = type && ajv.getSchema(`${schemaId}#/definitions/${type}`);
    if (!check) {
      lines.push(`  /entry/${i}/resource: unknown resourceType ${JSON.stringify(type)}`);
    } else if (!check(entry.resource)) {
      lines.push(`${type}/${entry.resource.id}:`, ...describe(check.errors, `/entry/${i}/resource`));
    }
  });
  const stub = { resourceType: "Basic", code: { text: "stub" } };
  const envelope = { ...doc, entry: entries.map((e) => ({ ...e, resource: stub })) };
  const bundleCheck = ajv.getSchema(`${schemaId}#/definitions/Bundle`);
  if (!bundleCheck(envelope)) lines.push("Bundle envelope:", ...describe(bundleCheck.errors));
  return lines.join("\n");
}

function validate(doc) {
  const check = ajv.getSchema(schemaId);
  return check(doc) ? null : explain(doc) || describe(check.errors).join("\n");
}

before(async () => {
  [ajv, schemaId] = loadSchema();
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "fhir" });
  api = apiClient(host.base);

  const email = `fhir-${Date.now()}-${process.pid}@example.jp`;
  const nurse = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: "23233", kind: "visiting_nurse_station", name: "清須訪問看護ステーション" },
    email, name: "試験 看護師", profession: "nurse", roles: ["professional"], password: PASSWORD,
  }, "register the nurse");
  const token = await apiLogin(api, nurse, PASSWORD);

  const patient = await expectStatus(201, api("POST", "/api/v1/patients", {
    token,
    json: {
      municipality_code: "23233", name: "試験 花子", name_kana: "シケン ハナコ",
      birth_date: "昭和20年5月1日", sex: "female", care_level: "care_2",
      address: "愛知県清須市清洲1丁目", lat: 35.2186, lng: 136.8419, phone: "052-000-0000",
      consent: { method: "care_certification_application", taken_on: "令和8年4月1日" },
    },
  }), "register the patient");
  patientId = patient.id;
  for (const body of POSTS) {
    await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/posts`, {
      token, json: { category: "report", body },
    }), "post");
  }
  for (const reading of READINGS) {
    await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/vitals`, {
      token, json: reading,
    }), `record ${reading.kind}`);
  }

  response = await api("GET", `/api/v1/patients/${patientId}/fhir`, { token });
  assert.equal(response.status, 200, `GET …/fhir: ${response.status} ${response.text}`);
  bundle = response.json;
  writeFileSync(join(output, "fhir-bundle.json"), JSON.stringify(bundle, null, 2) + "\n");
});

after(async () => {
  await host?.stop();
});

test("the export is served as application/fhir+json", () => {
  assert.match(response.headers.get("content-type") ?? "", /^application\/fhir\+json\b/);
});

test("the schema rejects a broken bundle (the validator is not vacuous)", () => {
  const broken = structuredClone(bundle);
  const patient = broken.entry.find((e) => e.resource.resourceType === "Patient").resource;
  patient.birthDate = "昭和20年5月1日";
  patient.gender = "femme";
  broken.entry.push({ resource: { resourceType: "Carer", id: "x" } });
  const errors = validate(broken);
  assert.ok(errors, "a bundle with a wareki birthDate passed the schema");
  assert.match(errors, /\/birthDate = "昭和20年5月1日": must match pattern/);
  assert.match(errors, /\/gender = "femme": must be equal to one of the allowed values/);
  assert.match(errors, /unknown resourceType "Carer"/);
});

test("the bundle is valid against the FHIR R4 JSON schema", () => {
  const errors = validate(bundle);
  assert.ok(errors === null, `FHIR R4 schema errors (bundle in tests/output/fhir-bundle.json):\n${errors}`);
});

test("the bundle holds the patient, team, consent, posts and LOINC-coded vitals", () => {
  assert.equal(bundle.resourceType, "Bundle");
  assert.equal(bundle.type, "collection");
  const of = (type) => bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === type);
  const [patient] = of("Patient");
  assert.equal(of("Patient").length, 1);
  assert.equal(patient.id, patientId);
  assert.equal(patient.gender, "female");
  assert.equal(patient.birthDate, "1945-05-01");
  assert.equal(of("CareTeam").length, 1);
  assert.equal(of("CareTeam")[0].participant.length, 1, "the nurse is the first team member");
  assert.equal(of("Consent").length, 1);
  assert.equal(of("Consent")[0].dateTime, "2026-04-01");
  const communications = of("Communication");
  assert.equal(communications.length, POSTS.length);
  assert.deepEqual(communications.map((c) => c.payload[0].contentString).sort(), [...POSTS].sort());

  const observations = of("Observation");
  assert.equal(observations.length, READINGS.length);
  for (const obs of observations) {
    assert.equal(obs.subject.reference, `Patient/${patientId}`);
    assert.equal(obs.code.coding[0].system, LOINC, `${obs.id}: code system`);
  }
  assert.deepEqual(
    observations.map((o) => o.code.coding[0].code).sort(),
    Object.values(LOINC_OF).sort(),
  );
  const bp = observations.find((o) => o.code.coding[0].code === LOINC_OF.blood_pressure);
  const component = (code) => bp.component.find((c) => c.code.coding[0].system === LOINC && c.code.coding[0].code === code);
  assert.equal(component("8480-6").valueQuantity.value, 132, "systolic");
  assert.equal(component("8462-4").valueQuantity.value, 84, "diastolic");
  const temperature = observations.find((o) => o.code.coding[0].code === LOINC_OF.temperature);
  assert.equal(temperature.valueQuantity.value, 36.8);
  assert.equal(temperature.valueQuantity.system, "http://unitsofmeasure.org");
});
