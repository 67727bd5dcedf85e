"""The widget demo page (a fictional province portal embedding the chat widget) and the widget files.

`GET /` shows how a province's website embeds the widget with one script tag, pointed at
`settings.rasa_public_url`. `GET /widget/widget.js` and `GET /widget/widget.css` serve the widget
from `connectors/widget/`; no other file is reachable through that route.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["pages"])

WIDGET_DIR = Path(__file__).resolve().parents[3] / "connectors" / "widget"
# The only files served from WIDGET_DIR, with their content types.
WIDGET_ASSETS = {"widget.js": "text/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}
# Short: provinces embed a fixed URL, so an update must reach them within minutes; the ETag makes
# the revalidation cheap.
ASSET_CACHE_CONTROL = "public, max-age=300"


def _origins(url: str) -> str:
    """The http(s) and ws(s) origins of a URL for the page's Content-Security-Policy ("" if odd)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", parts.netloc or ""):
        return ""
    ws = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {ws}://{parts.netloc}"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def demo_page(request: Request) -> HTMLResponse:
    rasa_url = request.app.state.settings.rasa_public_url
    nonce = secrets.token_urlsafe(16)
    tag = '<script src="{src}" data-rasa-url="{rasa}" defer></script>'
    page_tag = tag.format(src="/widget/widget.js", rasa=escape(rasa_url, quote=True))
    # The snippet a province's IT team copies: the same tag with this server's absolute address.
    snippet = tag.format(src=str(request.url_for("widget_asset", name="widget.js")), rasa=rasa_url)
    html = PAGE.substitute(nonce=nonce, widget_tag=page_tag, snippet=escape(snippet, quote=True))
    csp = ("default-src 'self'; script-src 'self'; "
           f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data: https:; "
           f"connect-src 'self' {_origins(rasa_url)}; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
    return HTMLResponse(html, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache",
                                       "X-Content-Type-Options": "nosniff"})


@router.get("/widget/{name}", name="widget_asset", include_in_schema=False)
def widget_asset(name: str, request: Request) -> Response:
    media_type = WIDGET_ASSETS.get(name)
    if media_type is None:  # anything else, "../" included, is not ours to serve
        raise HTTPException(status_code=404, detail={"error": "not_found"})
    body = (WIDGET_DIR / name).read_bytes()
    etag = '"%s"' % hashlib.sha256(body).hexdigest()[:24]
    headers = {"Cache-Control": ASSET_CACHE_CONTROL, "ETag": etag, "X-Content-Type-Options": "nosniff",
               "Access-Control-Allow-Origin": "*"}  # lets sites load it with crossorigin / SRI
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


PAGE = Template("""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cổng thông tin điện tử tỉnh Minh An (trang minh họa)</title>
<style nonce="$nonce">
  body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d2733; background: #f5f5f2; }
  .top { background: #a3181b; color: #fff; padding: 18px 24px; display: flex; align-items: center; gap: 16px; }
  .emblem { width: 52px; height: 52px; border-radius: 50%; background: #f5c518; color: #a3181b; display: flex; align-items: center; justify-content: center; font-weight: 800; flex: none; }
  .top h1 { margin: 0; font-size: 22px; }
  .top p { margin: 2px 0 0; font-size: 14px; opacity: .9; }
  nav { background: #7d1214; padding: 0 24px; display: flex; flex-wrap: wrap; }
  nav a { color: #fff; text-decoration: none; padding: 10px 14px; font-size: 15px; }
  nav a:hover, nav a:focus { background: rgba(255,255,255,.15); }
  main { max-width: 1040px; margin: 0 auto; padding: 24px; display: grid; grid-template-columns: 2fr 1fr; gap: 24px; }
  section, aside { background: #fff; border: 1px solid #e2e0da; border-radius: 8px; padding: 18px 22px; }
  h2 { color: #a3181b; font-size: 19px; margin: 0 0 12px; }
  .news li { margin-bottom: 10px; }
  .news small { color: #69707a; display: block; }
  .ask { background: #fff8e1; border-left: 4px solid #f5a000; padding: 12px 16px; border-radius: 4px; }
  code, pre { font: 13px/1.5 ui-monospace, Menlo, Consolas, monospace; }
  pre { background: #1d2733; color: #f2f4f7; padding: 12px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
  footer { text-align: center; color: #5f6670; font-size: 14px; padding: 24px 16px 100px; }
  footer a { color: #a3181b; }
  @media (max-width: 760px) { main { grid-template-columns: 1fr; padding: 14px; } .top h1 { font-size: 18px; } }
</style>
</head>
<body>
<header class="top">
  <div class="emblem" aria-hidden="true">MA</div>
  <div>
    <h1>Cổng thông tin điện tử tỉnh Minh An</h1>
    <p>Trang minh họa: một tỉnh giả định nhúng trợ lý ảo Tổng đài 1022</p>
  </div>
</header>
<nav aria-label="Chuyên mục">
  <a href="#">Trang chủ</a><a href="#">Giới thiệu</a><a href="#tin-tuc">Tin tức</a><a href="#hoi-dap">Hỏi đáp thủ tục</a><a href="#nhung">Nhúng trợ lý ảo</a>
</nav>
<main>
  <div>
    <section id="hoi-dap">
      <h2>Hỏi đáp thủ tục hành chính 24/7</h2>
      <p>Anh/Chị cần biết hồ sơ phải chuẩn bị, lệ phí, thời gian giải quyết hay nơi nộp hồ sơ của một thủ tục hành chính?
         Hãy bấm vào biểu tượng trò chuyện ở góc dưới bên phải màn hình để hỏi trợ lý ảo của Tổng đài 1022.</p>
      <p class="ask">Ví dụ: “Đăng ký thường trú hết bao nhiêu tiền?”, “Làm hộ chiếu ở đâu?”, “Làm lại căn cước bị mất cần giấy tờ gì?”</p>
      <p>Anh/Chị cũng có thể gửi phản ánh, kiến nghị (đèn đường hỏng, tiếng ồn, hồ sơ trễ hẹn...): trợ lý sẽ chuyển tới tổng đài viên.</p>
    </section>
    <section id="tin-tuc" class="news">
      <h2>Tin tức nổi bật</h2>
      <ul>
        <li>Minh An đẩy mạnh tiếp nhận hồ sơ trực tuyến toàn trình<small>Tin giả định dùng cho trang minh họa</small></li>
        <li>Tổng đài 1022 tiếp nhận phản ánh của người dân qua nhiều kênh<small>Tin giả định dùng cho trang minh họa</small></li>
        <li>Hướng dẫn tra cứu tình trạng hồ sơ trên Cổng Dịch vụ công<small>Tin giả định dùng cho trang minh họa</small></li>
      </ul>
    </section>
  </div>
  <aside id="nhung">
    <h2>Nhúng trợ lý ảo vào trang web</h2>
    <p>Cán bộ kỹ thuật chỉ cần chèn một thẻ sau vào trang:</p>
    <pre><code>$snippet</code></pre>
    <p>Thuộc tính <code>data-rasa-url</code> là địa chỉ máy chủ trợ lý ảo mà trình duyệt của người dân truy cập được.</p>
  </aside>
</main>
<footer>Trang minh họa của Tổng đài 1022. Nội dung tin tức là giả định. Đường dây nóng: 1022.<br>
<a href="/ket-qua">Kết quả trả lời phản ánh, kiến nghị</a> · <a href="/tra-cuu">Tra cứu phiếu tiếp nhận</a></footer>
$widget_tag
</body>
</html>
""")
