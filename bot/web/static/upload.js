// The upload page's own script (served by the app, allowed by the page's script-src 'self').
// Without it the form posts as usual; with it the officer sees what was chosen, a file over
// the limit is refused before a byte is sent, and the upload shows its progress.
(function () {
  "use strict";
  var form = document.getElementById("gui");
  if (!form || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  document.documentElement.className += " js";
  var input = form.querySelector("input[type=file]");
  var chosen = document.getElementById("da-chon");
  var error = document.getElementById("loi");
  var status = document.getElementById("tien-do");
  var bar = status.querySelector("progress");
  var said = status.querySelector("p");
  var button = form.querySelector("button");
  var limit = Number(form.getAttribute("data-limit"));
  var limitMb = form.getAttribute("data-limit-mb");
  var maxFiles = Number(form.getAttribute("data-max-files"));

  function size(n) {
    var units = [["GB", 1073741824], ["MB", 1048576], ["KB", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (n >= units[i][1]) {
        return (n / units[i][1]).toFixed(1).replace(".", ",") + " " + units[i][0];
      }
    }
    return n + " B";
  }

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  // What is wrong with the choice, in the officer's words; "" when it can be sent.
  function problem() {
    var files = input.files;
    if (!files.length) {
      return "⚠️ Đồng chí chưa chọn tệp nào.";
    }
    if (files.length > maxFiles) {
      return "⚠️ Đồng chí đã chọn " + files.length + " tệp; mỗi lần gửi tối đa " + maxFiles +
        " tệp. Đề nghị chọn lại ít tệp hơn.";
    }
    var big = [];
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > limit) {
        big.push("«" + files[i].name + "» (" + size(files[i].size) + ")");
      }
    }
    if (big.length) {
      return "⚠️ Tệp " + big.join(", ") + " vượt mức tối đa " + limitMb +
        " MB mỗi tệp; chưa gửi tệp nào. Đề nghị đồng chí nén hoặc chia nhỏ tệp rồi chọn lại.";
    }
    return "";
  }

  input.addEventListener("change", function () {
    chosen.textContent = "";
    for (var i = 0; i < input.files.length; i++) {
      var item = document.createElement("li");
      var file = input.files[i];
      item.textContent = (file.size > limit ? "⚠️ " : "📄 ") + file.name + " (" + size(file.size) + ")";
      chosen.appendChild(item);
    }
    chosen.hidden = !input.files.length;
    show(error, input.files.length ? problem() : "");
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var wrong = problem();
    show(error, wrong);
    if (wrong) {
      return;
    }
    var total = 0;
    for (var i = 0; i < input.files.length; i++) {
      total += input.files[i].size;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", function (e) {
      var sent = e.lengthComputable ? Math.min(e.loaded, total) : 0;
      var percent = total ? Math.floor((100 * sent) / total) : 0;
      bar.value = percent;
      said.textContent = "Đang gửi: " + size(sent) + " / " + size(total) + " (" + percent + "%)";
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      said.textContent = "Đã gửi xong, đang kiểm tra tệp…";
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 200 && xhr.responseURL) {
        window.location.replace(xhr.responseURL); // the result page: a reload sends nothing
        return;
      }
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      document.title = page.title;
      document.body.replaceWith(document.adoptNode(page.body)); // the server's refusal
    });
    xhr.addEventListener("error", function () {
      status.hidden = true;
      button.disabled = false;
      show(error, "⚠️ Mất kết nối trước khi gửi xong. Đồng chí kiểm tra mạng rồi gửi lại.");
    });
    bar.value = 0;
    said.textContent = "Đang gửi: 0 / " + size(total) + " (0%)";
    status.hidden = false;
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
