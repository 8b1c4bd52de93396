// The calling display: polls the queue every 1.5 s, shows the current call of each counter,
// the last calls and the waiting counts, and announces each new call (or recall) with a chime
// and the browser's speech synthesis in Chinese. Sound starts off: browsers let a page make
// sound only after a click, so the hall manager presses "Sound on" once.
(function () {
  "use strict";
  var root = document.querySelector("[data-queue-url]");
  if (!root) { return; }
  var url = root.getAttribute("data-queue-url");
  var sayTemplate = root.getAttribute("data-say-template");
  var callsList = document.querySelector("[data-calls]");
  var recentList = document.querySelector("[data-recent]");
  var waitingList = document.querySelector("[data-waiting]");
  var clock = document.querySelector("[data-clock]");
  var soundButton = document.querySelector("[data-sound]");
  var soundOn = window.localStorage && window.localStorage.getItem("hall-sound") === "on";
  var audio = null;
  var seen = null; // keys of the calls already announced; null until the first answer
  var queue = [];
  var speaking = false;

  function setSound(on) {
    soundOn = on;
    soundButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (window.localStorage) { window.localStorage.setItem("hall-sound", on ? "on" : "off"); }
  }
  soundButton.addEventListener("click", function () {
    setSound(!soundOn);
    if (soundOn && !audio && window.AudioContext) { audio = new window.AudioContext(); }
  });
  setSound(soundOn);

  function chime(done) {
    if (!audio) { done(); return; }
    var now = audio.currentTime;
    [880, 660].forEach(function (freq, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.25, now + i * 0.35);
      gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.35 + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.35);
      osc.stop(now + i * 0.35 + 0.32);
    });
    window.setTimeout(done, 800);
  }

  function sayNext() {
    if (speaking || !queue.length) { return; }
    var text = queue.shift();
    if (!soundOn || !window.speechSynthesis) { queue = []; return; }
    speaking = true;
    chime(function () {
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.9;
      utterance.onend = utterance.onerror = function () { speaking = false; sayNext(); };
      window.speechSynthesis.speak(utterance);
    });
  }

  function announce(call) {
    // 请A012号到3号窗口: the number read out character by character.
    var text = "请" + call.number.split("").join(" ") + "号到" + call.counter + "号窗口";
    queue.push(text);
    queue.push(text);
    sayNext();
  }

  function item(text, extra, className) {
    var li = document.createElement("li");
    if (className) { li.className = className; }
    var a = document.createElement("span");
    a.textContent = text;
    li.appendChild(a);
    if (extra !== undefined) {
      var b = document.createElement("span");
      b.textContent = extra;
      li.appendChild(b);
    }
    return li;
  }

  function render(data) {
    var current = {};
    var fresh = [];
    var keys = {};
    data.calls.forEach(function (call) {
      var key = call.number + "|" + call.counter + "|" + call.recalls;
      keys[key] = true;
      if (seen && !seen[key] && call.status === "called") { fresh.push(call); }
      if (!(call.counter in current)) { current[call.counter] = call; }
    });
    seen = keys;
    callsList.replaceChildren();
    Object.keys(current).forEach(function (counter) {
      var call = current[counter];
      var label = sayTemplate.replace("%(number)s", call.number).replace("%(counter)s", counter);
      var li = item(call.number, "→ " + counter, fresh.indexOf(call) >= 0 ? "fresh" : "");
      li.setAttribute("aria-label", label);
      li.setAttribute("data-call", call.number);
      callsList.appendChild(li);
    });
    recentList.replaceChildren();
    data.calls.slice(0, 6).forEach(function (call) {
      recentList.appendChild(item(call.number, call.counter));
    });
    waitingList.replaceChildren();
    Object.keys(data.waiting).forEach(function (group) {
      waitingList.appendChild(item(group, data.waiting[group]));
    });
    if (data.time) { clock.textContent = data.time.slice(11, 16); }
    fresh.reverse().forEach(announce);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () {})
      .finally(function () { window.setTimeout(poll, 1500); });
  }
  poll();
})();
