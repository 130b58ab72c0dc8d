// The domain's fixed lists and their labels, written from functions/core/src/vocabulary.rs
// (and the roles, hazards and vital kinds beside it) by functions/core/src/lists.rs: do
// not edit. `RAINBOWNET_WRITE=1 cargo test -p rainbownet-core lists` writes it again; the
// test fails while it differs. The same lists are GET /api/v1/public/vocabulary.
window.RainbowNetVocabulary = {
  "care_levels": [
    {
      "code": "none",
      "en": "Not certified",
      "ja": "非該当"
    },
    {
      "code": "support_1",
      "en": "Support level 1",
      "ja": "要支援1"
    },
    {
      "code": "support_2",
      "en": "Support level 2",
      "ja": "要支援2"
    },
    {
      "code": "care_1",
      "en": "Care level 1",
      "ja": "要介護1"
    },
    {
      "code": "care_2",
      "en": "Care level 2",
      "ja": "要介護2"
    },
    {
      "code": "care_3",
      "en": "Care level 3",
      "ja": "要介護3"
    },
    {
      "code": "care_4",
      "en": "Care level 4",
      "ja": "要介護4"
    },
    {
      "code": "care_5",
      "en": "Care level 5",
      "ja": "要介護5"
    }
  ],
  "checkin_statuses": [
    {
      "code": "safe",
      "en": "Confirmed safe",
      "ja": "安全確認済み"
    },
    {
      "code": "needs_attention",
      "en": "Needs check",
      "ja": "要確認"
    },
    {
      "code": "not_yet",
      "en": "Not yet checked",
      "ja": "未確認"
    }
  ],
  "consent_methods": [
    {
      "code": "individual",
      "en": "Taken from the person",
      "ja": "本人から個別に取得"
    },
    {
      "code": "care_certification_application",
      "en": "Taken with the care-certification application",
      "ja": "要介護認定の申請時に取得"
    }
  ],
  "event_kinds": [
    {
      "code": "earthquake",
      "en": "Earthquake",
      "ja": "地震"
    },
    {
      "code": "flood",
      "en": "Flood",
      "ja": "水害"
    },
    {
      "code": "typhoon",
      "en": "Typhoon",
      "ja": "台風"
    },
    {
      "code": "landslide",
      "en": "Landslide",
      "ja": "土砂災害"
    },
    {
      "code": "tsunami",
      "en": "Tsunami",
      "ja": "津波"
    },
    {
      "code": "other",
      "en": "Other",
      "ja": "その他"
    }
  ],
  "hazards": [
    {
      "code": "flood",
      "en": "Flood",
      "ja": "洪水"
    },
    {
      "code": "landslide",
      "en": "Landslide and debris flow",
      "ja": "崖崩れ・土石流・地滑り"
    },
    {
      "code": "storm_surge",
      "en": "Storm surge",
      "ja": "高潮"
    },
    {
      "code": "earthquake",
      "en": "Earthquake",
      "ja": "地震"
    },
    {
      "code": "tsunami",
      "en": "Tsunami",
      "ja": "津波"
    },
    {
      "code": "large_fire",
      "en": "Large-scale fire",
      "ja": "大規模な火事"
    },
    {
      "code": "inland_flood",
      "en": "Inland flooding",
      "ja": "内水氾濫"
    },
    {
      "code": "volcano",
      "en": "Volcanic phenomena",
      "ja": "火山現象"
    }
  ],
  "organization_kinds": [
    {
      "code": "clinic",
      "en": "Clinic",
      "ja": "診療所"
    },
    {
      "code": "hospital",
      "en": "Hospital",
      "ja": "病院"
    },
    {
      "code": "visiting_nurse_station",
      "en": "Visiting nurse station",
      "ja": "訪問看護ステーション"
    },
    {
      "code": "pharmacy",
      "en": "Pharmacy",
      "ja": "薬局"
    },
    {
      "code": "dental_clinic",
      "en": "Dental clinic",
      "ja": "歯科診療所"
    },
    {
      "code": "care_management_office",
      "en": "Care management office",
      "ja": "居宅介護支援事業所"
    },
    {
      "code": "care_service",
      "en": "Care service",
      "ja": "介護サービス事業所"
    },
    {
      "code": "municipality",
      "en": "Municipality",
      "ja": "市町村"
    },
    {
      "code": "support_centre",
      "en": "Community support centre",
      "ja": "地域包括支援センター"
    }
  ],
  "post_categories": [
    {
      "code": "contact",
      "en": "Contact",
      "ja": "連絡"
    },
    {
      "code": "report",
      "en": "Report",
      "ja": "報告"
    },
    {
      "code": "consultation",
      "en": "Consultation",
      "ja": "相談"
    }
  ],
  "professions": [
    {
      "code": "physician",
      "en": "Physician",
      "ja": "医師"
    },
    {
      "code": "nurse",
      "en": "Nurse",
      "ja": "看護師"
    },
    {
      "code": "pharmacist",
      "en": "Pharmacist",
      "ja": "薬剤師"
    },
    {
      "code": "dentist",
      "en": "Dentist",
      "ja": "歯科医師"
    },
    {
      "code": "care_manager",
      "en": "Care manager",
      "ja": "介護支援専門員（ケアマネジャー）"
    },
    {
      "code": "care_worker",
      "en": "Care worker",
      "ja": "介護職員"
    },
    {
      "code": "therapist",
      "en": "Therapist",
      "ja": "リハビリ専門職"
    },
    {
      "code": "social_worker",
      "en": "Social worker",
      "ja": "社会福祉士・相談員"
    },
    {
      "code": "municipal_staff",
      "en": "Municipal staff",
      "ja": "市町職員"
    }
  ],
  "project_kinds": [
    {
      "code": "care_meeting",
      "en": "Care meeting",
      "ja": "地域ケア会議"
    },
    {
      "code": "training",
      "en": "Training",
      "ja": "研修"
    },
    {
      "code": "working_group",
      "en": "Working group",
      "ja": "部会"
    },
    {
      "code": "other",
      "en": "Other",
      "ja": "その他"
    }
  ],
  "relations": [
    {
      "code": "self",
      "en": "The patient",
      "ja": "本人"
    },
    {
      "code": "spouse",
      "en": "Spouse",
      "ja": "配偶者"
    },
    {
      "code": "child",
      "en": "Child",
      "ja": "子"
    },
    {
      "code": "parent",
      "en": "Parent",
      "ja": "親"
    },
    {
      "code": "sibling",
      "en": "Sibling",
      "ja": "きょうだい"
    },
    {
      "code": "other",
      "en": "Other family",
      "ja": "その他の家族"
    }
  ],
  "roles": [
    {
      "code": "professional",
      "en": "Professional",
      "ja": "専門職"
    },
    {
      "code": "org_admin",
      "en": "Organization administrator",
      "ja": "事業所管理者"
    },
    {
      "code": "municipal_staff",
      "en": "Municipal staff",
      "ja": "市町村職員"
    },
    {
      "code": "disaster_hq",
      "en": "Disaster headquarters",
      "ja": "災害対策本部"
    },
    {
      "code": "sysadmin",
      "en": "System administrator",
      "ja": "システム管理者"
    }
  ],
  "sexes": [
    {
      "code": "female",
      "en": "Female",
      "ja": "女性"
    },
    {
      "code": "male",
      "en": "Male",
      "ja": "男性"
    },
    {
      "code": "other",
      "en": "Other",
      "ja": "その他"
    },
    {
      "code": "unknown",
      "en": "Unknown",
      "ja": "不明"
    }
  ],
  "vital_kinds": [
    {
      "code": "blood_pressure",
      "ja": "血圧",
      "loinc": "85354-9",
      "max": 260.0,
      "min": 50.0,
      "unit": "mmHg"
    },
    {
      "code": "pulse",
      "ja": "脈拍",
      "loinc": "8867-4",
      "max": 250.0,
      "min": 20.0,
      "unit": "/min"
    },
    {
      "code": "temperature",
      "ja": "体温",
      "loinc": "8310-5",
      "max": 45.0,
      "min": 30.0,
      "unit": "Cel"
    },
    {
      "code": "spo2",
      "ja": "SpO2",
      "loinc": "59408-5",
      "max": 100.0,
      "min": 50.0,
      "unit": "%"
    },
    {
      "code": "weight",
      "ja": "体重",
      "loinc": "29463-7",
      "max": 300.0,
      "min": 10.0,
      "unit": "kg"
    },
    {
      "code": "respiration",
      "ja": "呼吸数",
      "loinc": "9279-1",
      "max": 80.0,
      "min": 4.0,
      "unit": "/min"
    }
  ]
};
