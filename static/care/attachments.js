// The care client: attachments: thumbnails and downloads, fetched with the token.
import { ApiError, problemLines } from "../lib/api.js";
import { bilingual, el, enc } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { authorized, failure, images, setText, sizeOf } from "./base.js";

export function attachmentPath(patient, id) {
  return "/api/v1/patients/" + enc(patient) + "/attachments/" + enc(id);
}

export async function fetchAttachment(patient, id) {
  const resp = await authorized("GET", attachmentPath(patient, id));
  if (!resp.ok) throw new ApiError(await problemLines(resp));
  return resp.blob();
}

export function readAsDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export function imageUrl(patient, attachment) {
  const key = patient + "/" + attachment.id;
  if (!images.has(key)) {
    const pending = fetchAttachment(patient, attachment.id).then((blob) => {
      // The type the server declared, so the data: URL is always an image type we allow.
      const typed = blob.type === attachment.content_type ? blob : new Blob([blob], { type: attachment.content_type });
      return readAsDataUrl(typed);
    });
    pending.catch(() => images.delete(key)); // try again next time
    images.set(key, pending);
  }
  return images.get(key);
}

export function isImage(type) {
  return type === "image/png" || type === "image/jpeg" || type === "image/webp";
}

export function attachmentList(patient, attachments) {
  const list = el("ul", "attachments");
  attachments.forEach((a) => {
    const item = el("li", "attachment");
    item.dataset.id = a.id;
    if (isImage(a.content_type)) {
      const button = el("button", "thumb-button");
      button.type = "button";
      button.title = say("拡大");
      const img = el("img", "attachment-thumb");
      img.alt = a.name;
      img.dataset.id = a.id;
      button.appendChild(img);
      const caption = el("span", "attachment-name", a.name + "（" + sizeOf(a.size) + "）");
      item.append(button, caption);
      imageUrl(patient, a).then((url) => { img.src = url; }).catch((e) => {
        const lines = failure(e);
        caption.textContent = a.name + "：表示できません" + (lines ? "（" + lines.join(" / ") + "）" : "");
        button.hidden = true;
      });
    } else {
      const button = el("button", "secondary attachment-download");
      button.type = "button";
      button.dataset.patient = patient;
      button.dataset.id = a.id;
      button.dataset.name = a.name;
      button.dataset.type = a.content_type;
      bilingual(button, (a.content_type === "application/pdf" ? "PDF " : "") + a.name + "（" + sizeOf(a.size) + "）を保存", "Download");
      item.appendChild(button);
    }
    list.appendChild(item);
  });
  return list;
}

export async function download(button) {
  button.disabled = true;
  try {
    const blob = await fetchAttachment(button.dataset.patient, button.dataset.id);
    const link = el("a");
    link.href = URL.createObjectURL(new Blob([blob], { type: button.dataset.type || blob.type }));
    link.download = button.dataset.name || "attachment";
    document.body.appendChild(link);
    link.click();
    link.remove();
    // The download reads the Blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("timeline-status", lines.join(" / "));
  } finally {
    button.disabled = false;
  }
}
