// Operator inbox: a canned reply chosen in the list is copied into the reply box, where the
// operator can edit it before sending. Without JavaScript the chosen canned reply is sent as is.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("canned");
  var text = document.getElementById("reply-text");
  if (!select || !text) return;
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    var canned = option && option.getAttribute("data-text");
    if (!canned) return;
    if (text.value.trim() === "" || window.confirm("Thay nội dung đang soạn bằng câu trả lời mẫu?")) {
      text.value = canned;
      text.focus();
    }
  });
});
