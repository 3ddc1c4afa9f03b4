/* The Korean site (book/_ext/attnbook_i18n.py): sphinx-copybutton's tooltips in Korean.
   copybutton.js knows no Korean; loaded after it and before its buttons are made (they are
   made once the page has loaded), this adds the Korean words and picks them. */
if (typeof messages !== "undefined" && document.documentElement.lang === "ko") {
  messages["ko"] = {
    "copy": "복사",
    "copy_to_clipboard": "클립보드로 복사",
    "copy_success": "복사했습니다!",
    "copy_failure": "복사하지 못했습니다",
  };
  locale = "ko";
}
