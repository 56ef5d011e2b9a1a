// Training pages: call review recordings played inline (no inline script: the CSP forbids it).

// "mm:ss" under an hour, "h:mm:ss" from an hour on: what the review form reads back.
function formatTimestamp(totalSeconds) {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds % 60)}` : `${pad(minutes)}:${pad(seconds % 60)}`;
}

document.addEventListener("click", (event) => {
  const player = document.getElementById("recording");
  if (!player) return;
  // A timestamp in a review seeks the recording.
  const link = event.target.closest("a.timestamp[data-seconds]");
  if (link) {
    event.preventDefault();
    player.currentTime = Number(link.dataset.seconds);
    player.play().catch(() => {});
    player.focus();
    return;
  }
  // "Comment at current time" on a review: the moment goes into the comment's time field.
  const stampField = event.target.closest("button[data-stamp-field]");
  if (stampField) {
    const field = document.getElementById(stampField.dataset.stampField);
    player.pause();
    field.value = formatTimestamp(player.currentTime);
    const text = field.form.querySelector("textarea");
    if (text) text.focus();
    return;
  }
  // ... and on the review form: a new "mm:ss " line in the timestamped comments.
  const stampLines = event.target.closest("button[data-stamp-lines]");
  if (stampLines) {
    const area = document.getElementById(stampLines.dataset.stampLines);
    player.pause();
    const before = area.value.replace(/\s+$/, "");
    area.value = `${before ? `${before}\n` : ""}${formatTimestamp(player.currentTime)} `;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }
});

// The review form: a recording URL on an allowlisted host (https) plays in the form.
function showRecording(form) {
  const input = form.querySelector("input[name=recording_url]");
  const player = document.getElementById("recording");
  if (!input || !player) return;
  const hosts = (form.dataset.recordingHosts || "").split(" ").filter(Boolean);
  let url = null;
  try {
    url = new URL(input.value.trim());
  } catch {
    url = null;
  }
  const playable = url && url.protocol === "https:" && hosts.includes(url.hostname.toLowerCase());
  for (const part of form.querySelectorAll(".recording-player")) part.hidden = !playable;
  if (playable && player.getAttribute("src") !== url.href) player.src = url.href;
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.review-form[data-recording-hosts]");
  if (!form) return;
  const input = form.querySelector("input[name=recording_url]");
  if (input) input.addEventListener("change", () => showRecording(form));
  showRecording(form);
});

// The call linter: a finding or tracker hit scrolls the transcript to its utterance (and seeks
// the recording when one plays here), marking that utterance as the current one.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.utterance-link[data-utterance]");
  if (!link) return;
  const target = document.getElementById(`utterance-${link.dataset.utterance}`);
  if (!target) return;
  event.preventDefault();
  for (const current of document.querySelectorAll(".utterance.is-current")) current.classList.remove("is-current");
  target.classList.add("is-current");
  target.scrollIntoView({ block: "center" });
  history.replaceState(null, "", `#${target.id}`);
  const player = document.getElementById("recording");
  if (player && link.dataset.seconds) player.currentTime = Number(link.dataset.seconds);
});
