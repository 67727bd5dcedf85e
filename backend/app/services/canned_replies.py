"""Canned replies for the inbox's reply box: a short built-in list of polite Vietnamese answers,
replaced by a JSON file ([{"title": "...", "text": "..."}]) named by INBOX_CANNED_REPLIES."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from backend.app.config import ConfigurationError


@dataclass(frozen=True)
class CannedReply:
    title: str
    text: str


DEFAULT_CANNED_REPLIES = (
    CannedReply("Đã tiếp nhận",
                "Tổng đài 1022 đã tiếp nhận phản ánh của Anh/Chị và đang chuyển tới cơ quan có thẩm quyền "
                "xem xét, xử lý. Kết quả sẽ được thông báo tới Anh/Chị trong thời gian sớm nhất."),
    CannedReply("Đã chuyển cơ quan",
                "Phản ánh của Anh/Chị đã được chuyển tới cơ quan xử lý. Anh/Chị có thể tra cứu tình trạng "
                "bằng mã phiếu và 4 số cuối điện thoại."),
    CannedReply("Cần bổ sung thông tin",
                "Để xử lý phản ánh, Anh/Chị vui lòng cung cấp thêm địa chỉ cụ thể và thời điểm xảy ra sự việc. "
                "Trân trọng cảm ơn Anh/Chị."),
    CannedReply("Hướng dẫn nộp hồ sơ trực tuyến",
                "Anh/Chị có thể nộp hồ sơ trực tuyến tại Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) "
                "hoặc Cổng dịch vụ công của tỉnh, hoặc nộp trực tiếp tại Bộ phận Một cửa."),
    CannedReply("Đã xử lý xong",
                "Cơ quan chức năng đã xử lý xong nội dung Anh/Chị phản ánh. Trân trọng cảm ơn Anh/Chị đã "
                "đồng hành cùng chính quyền."),
)


def load_canned_replies(path: str = "") -> tuple[CannedReply, ...]:
    if not path:
        return DEFAULT_CANNED_REPLIES
    try:
        items = json.loads(Path(path).read_text(encoding="utf-8"))
        replies = tuple(CannedReply(str(i["title"]).strip(), str(i["text"]).strip()) for i in items)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfigurationError(f"INBOX_CANNED_REPLIES: cannot read {path}: {e}") from e
    if not replies or any(not r.title or not r.text for r in replies):
        raise ConfigurationError("INBOX_CANNED_REPLIES: a non-empty list of {title, text}")
    return replies
