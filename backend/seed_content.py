"""Demo content for `python -m backend.seed`: agencies of a fictional province (tỉnh Minh An) and
ticket texts by field. Everything here is invented; citizen names are the conventional placeholder
names (Nguyễn Văn A, Trần Thị B, ...), never real people.

Agencies follow the 2025 reorganisation: Sở Tài nguyên và Môi trường and Sở Nông nghiệp và Phát
triển nông thôn merged into Sở Nông nghiệp và Môi trường; Sở Giao thông vận tải merged into Sở Xây
dựng; districts were abolished (two-tier local government: province and xã/phường), so local
matters go to the UBND of a xã or phường.
"""

from __future__ import annotations

# (code, name, fields handled)
AGENCIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("STP", "Sở Tư pháp", ("Hộ tịch", "Chứng thực", "Lý lịch tư pháp")),
    ("SXD", "Sở Xây dựng", ("Xây dựng", "Giao thông")),
    ("CAT", "Công an tỉnh", ("Cư trú", "Căn cước", "An ninh trật tự")),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ("Đất đai", "Môi trường")),
    ("BHXH", "Bảo hiểm xã hội tỉnh", ("Bảo hiểm xã hội", "Bảo hiểm y tế")),
    ("SCT", "Sở Công Thương", ("Điện nước",)),
    ("UBND-PTT", "UBND phường Tân Thành", ("Trật tự đô thị", "Hộ tịch", "Môi trường")),
    ("UBND-PBS", "UBND phường Bắc Sơn", ("Trật tự đô thị", "Hộ tịch")),
    ("UBND-XAB", "UBND xã An Bình", ("Đất đai", "Hộ tịch", "Trật tự đô thị")),
)

# field -> (weight, agency codes that may handle it)
FIELDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "Hộ tịch": (16, ("STP", "UBND-PTT", "UBND-PBS", "UBND-XAB")),
    "Cư trú": (14, ("CAT",)),
    "Đất đai": (13, ("SNNMT", "UBND-XAB")),
    "Xây dựng": (9, ("SXD",)),
    "Giao thông": (10, ("SXD",)),
    "Môi trường": (9, ("SNNMT", "UBND-PTT")),
    "Điện nước": (10, ("SCT",)),
    "Trật tự đô thị": (11, ("UBND-PTT", "UBND-PBS", "UBND-XAB")),
    "Bảo hiểm xã hội": (8, ("BHXH",)),
}

# field -> [(kind, summary, public answer)]
TEXTS: dict[str, list[tuple[str, str, str]]] = {
    "Hộ tịch": [
        ("question", "Hỏi thủ tục đăng ký khai sinh cho con khi bố mẹ chưa đăng ký kết hôn",
         "Trường hợp cha mẹ chưa đăng ký kết hôn, người đi đăng ký khai sinh nộp tờ khai theo mẫu và giấy chứng "
         "sinh tại UBND cấp xã nơi cư trú; nếu cha nhận con thì làm thủ tục đăng ký khai sinh kết hợp nhận cha con. "
         "Thủ tục được miễn lệ phí và có thể nộp trực tuyến trên Cổng Dịch vụ công."),
        ("question", "Xin cấp bản sao trích lục khai sinh thì nộp ở đâu, mất bao lâu?",
         "Công dân nộp yêu cầu tại UBND cấp xã nơi đã đăng ký khai sinh hoặc trực tuyến trên Cổng Dịch vụ công; "
         "bản sao trích lục được cấp ngay trong ngày nếu nhận hồ sơ trước 15 giờ."),
        ("complaint", "Phản ánh hồ sơ đăng ký kết hôn nộp trực tuyến quá hẹn chưa có kết quả",
         "UBND phường đã kiểm tra: hồ sơ bị chậm do thiếu bản xác nhận tình trạng hôn nhân. Cán bộ tư pháp đã liên "
         "hệ hướng dẫn bổ sung và trả kết quả. UBND phường xin lỗi công dân vì chưa thông báo kịp thời."),
        ("request", "Đề nghị hướng dẫn đăng ký khai tử cho người thân mất tại bệnh viện",
         "Người thân nộp tờ khai và giấy báo tử do bệnh viện cấp tại UBND cấp xã nơi cư trú cuối cùng của người "
         "chết trong thời hạn 15 ngày; thủ tục được miễn lệ phí và giải quyết trong ngày."),
    ],
    "Cư trú": [
        ("question", "Đăng ký thường trú cho con nhỏ vào nhà ông bà cần giấy tờ gì?",
         "Cần tờ khai thay đổi thông tin cư trú (mẫu CT01) có ý kiến đồng ý của chủ hộ, giấy tờ chứng minh quan hệ "
         "nhân thân. Hồ sơ nộp tại Công an cấp xã hoặc trực tuyến trên Cổng Dịch vụ công, lệ phí theo quy định."),
        ("question", "Hỏi thủ tục đăng ký tạm trú cho người thuê trọ",
         "Người thuê trọ nộp tờ khai CT01 và hợp đồng thuê nhà (hoặc văn bản đồng ý của chủ nhà) tại Công an cấp xã "
         "hoặc qua ứng dụng VNeID; thời hạn giải quyết 3 ngày làm việc."),
        ("complaint", "Phản ánh đã nộp hồ sơ tách hộ trên Cổng Dịch vụ công 10 ngày chưa được giải quyết",
         "Công an tỉnh đã chỉ đạo Công an phường kiểm tra: hồ sơ bị trả về do ảnh chụp giấy tờ không rõ nhưng "
         "chưa gửi thông báo. Công an phường đã hướng dẫn bổ sung và hoàn thành thủ tục."),
        ("question", "Xóa đăng ký thường trú khi đã chuyển đi nơi khác thì có phải về nơi cũ không?",
         "Không cần. Khi công dân đăng ký thường trú ở nơi mới, cơ quan đăng ký cư trú nơi mới sẽ xóa đăng ký "
         "thường trú ở nơi cũ trên Cơ sở dữ liệu về cư trú."),
    ],
    "Đất đai": [
        ("question", "Hỏi thủ tục cấp đổi giấy chứng nhận quyền sử dụng đất (sổ đỏ) bị rách",
         "Hồ sơ gồm đơn đề nghị cấp đổi và bản gốc giấy chứng nhận đã cấp, nộp tại bộ phận một cửa hoặc Chi nhánh "
         "Văn phòng đăng ký đất đai; thời hạn giải quyết không quá 7 ngày làm việc."),
        ("complaint", "Phản ánh hồ sơ đăng ký biến động đất đai (tặng cho) trễ hẹn",
         "Sở Nông nghiệp và Môi trường đã kiểm tra: hồ sơ chậm do phải xác minh ranh giới thửa đất. Chi nhánh Văn "
         "phòng đăng ký đất đai đã hoàn thành và trả kết quả, đồng thời gửi văn bản xin lỗi."),
        ("complaint", "Phản ánh việc san lấp đất nông nghiệp trái phép gần số 12 đường Trần Phú",
         "UBND xã đã kiểm tra hiện trường, lập biên bản vi phạm hành chính và yêu cầu chủ sử dụng đất khôi phục "
         "lại tình trạng ban đầu của đất trong thời hạn quy định."),
        ("question", "Chuyển mục đích sử dụng đất vườn sang đất ở thì nộp hồ sơ ở đâu?",
         "Hồ sơ nộp tại bộ phận một cửa của UBND cấp xã nơi có đất; việc chuyển mục đích phải phù hợp với quy "
         "hoạch sử dụng đất và người sử dụng đất nộp tiền sử dụng đất theo quy định."),
    ],
    "Xây dựng": [
        ("question", "Xây nhà ở riêng lẻ 3 tầng trong đô thị có cần giấy phép xây dựng không?",
         "Nhà ở riêng lẻ trong đô thị phải có giấy phép xây dựng (trừ trường hợp được miễn theo Luật Xây dựng). "
         "Hồ sơ nộp tại UBND cấp xã hoặc trực tuyến, thời hạn giải quyết 15 ngày."),
        ("complaint", "Phản ánh công trình xây dựng lấn chiếm vỉa hè, đổ vật liệu ra lòng đường",
         "Đội quản lý trật tự xây dựng đã kiểm tra, yêu cầu chủ công trình dọn vật liệu, che chắn theo quy định và "
         "xử phạt vi phạm hành chính."),
        ("complaint", "Phản ánh nhà bên cạnh xây dựng gây nứt tường nhà tôi ở số 45 ngõ 12 phố Huế",
         "UBND phường đã mời hai bên làm việc, yêu cầu chủ đầu tư tạm dừng thi công phần móng, phối hợp đơn vị "
         "kiểm định đánh giá hư hỏng và thỏa thuận bồi thường."),
    ],
    "Giao thông": [
        ("complaint", "Phản ánh đèn tín hiệu giao thông tại ngã tư trung tâm bị hỏng",
         "Sở Xây dựng đã chỉ đạo đơn vị quản lý sửa chữa, hệ thống đèn tín hiệu đã hoạt động bình thường trở lại."),
        ("complaint", "Phản ánh mặt đường tỉnh lộ bị sụt lún, nhiều ổ gà nguy hiểm",
         "Đơn vị bảo trì đường bộ đã khảo sát, đặt biển cảnh báo và thảm vá mặt đường các vị trí hư hỏng."),
        ("question", "Đổi giấy phép lái xe hạng B2 sang mẫu mới làm ở đâu?",
         "Công dân nộp hồ sơ trực tuyến trên Cổng Dịch vụ công hoặc tại cơ quan được giao cấp, đổi giấy phép lái "
         "xe; lệ phí theo quy định và thời hạn giải quyết không quá 5 ngày làm việc."),
    ],
    "Môi trường": [
        ("complaint", "Phản ánh rác thải tồn đọng nhiều ngày tại điểm tập kết đầu hẻm 32 Lê Lợi",
         "UBND phường đã yêu cầu đơn vị thu gom xử lý ngay điểm tồn đọng và bổ sung lịch thu gom hằng ngày."),
        ("complaint", "Phản ánh cơ sở sản xuất xả nước thải có mùi hôi ra kênh",
         "Đoàn kiểm tra của Sở Nông nghiệp và Môi trường đã lấy mẫu nước thải, lập biên bản và yêu cầu cơ sở "
         "dừng xả thải, khắc phục hệ thống xử lý."),
        ("complaint", "Phản ánh tiếng ồn từ quán karaoke sau 22 giờ",
         "Công an phường đã kiểm tra, nhắc nhở và xử phạt chủ cơ sở về hành vi gây tiếng ồn vượt quy chuẩn."),
    ],
    "Điện nước": [
        ("complaint", "Phản ánh khu dân cư mất nước sinh hoạt 2 ngày chưa được thông báo",
         "Công ty cấp nước đã khắc phục sự cố vỡ đường ống và cấp nước trở lại; đơn vị rút kinh nghiệm về việc "
         "thông báo lịch ngừng cấp nước."),
        ("complaint", "Phản ánh đèn chiếu sáng công cộng trên đường Nguyễn Trãi không sáng",
         "Đơn vị quản lý chiếu sáng đã thay bóng và sửa tủ điện, hệ thống chiếu sáng đã hoạt động trở lại."),
        ("question", "Hỏi thủ tục lắp đặt công tơ điện cho nhà mới xây",
         "Khách hàng đăng ký cấp điện qua Cổng Dịch vụ công hoặc ứng dụng của ngành điện; thời gian cấp điện "
         "sinh hoạt không quá 3 ngày làm việc ở đô thị."),
    ],
    "Trật tự đô thị": [
        ("complaint", "Phản ánh quán ăn lấn chiếm vỉa hè, người đi bộ phải đi xuống lòng đường",
         "Tổ trật tự đô thị phường đã kiểm tra, yêu cầu các hộ kinh doanh thu dọn và xử phạt trường hợp tái phạm."),
        ("complaint", "Phản ánh xe ô tô đỗ trái phép trước cổng trường học giờ tan học",
         "Công an phường đã bố trí lực lượng phân luồng giờ tan học và xử lý các phương tiện dừng, đỗ sai quy định."),
        ("complaint", "Phản ánh biển quảng cáo treo trái phép trên cột điện",
         "UBND phường đã tổ chức tháo dỡ các biển quảng cáo sai quy định và nhắc nhở các cơ sở vi phạm."),
    ],
    "Bảo hiểm xã hội": [
        ("question", "Hỏi thủ tục hưởng bảo hiểm xã hội một lần",
         "Người lao động nộp đơn đề nghị và sổ bảo hiểm xã hội tại cơ quan bảo hiểm xã hội hoặc trực tuyến qua "
         "Cổng Dịch vụ công; thời hạn giải quyết 10 ngày kể từ khi nhận đủ hồ sơ."),
        ("question", "Thẻ bảo hiểm y tế bị mất, xin cấp lại như thế nào?",
         "Công dân có thể dùng thẻ căn cước hoặc ứng dụng VNeID để khám chữa bệnh thay thẻ giấy; nếu cần cấp lại, "
         "nộp tờ khai tại cơ quan bảo hiểm xã hội, thời hạn 3 ngày làm việc."),
        ("complaint", "Phản ánh doanh nghiệp nợ đóng bảo hiểm xã hội, người lao động không chốt được sổ",
         "Bảo hiểm xã hội tỉnh đã làm việc với doanh nghiệp, đôn đốc thu nợ và hướng dẫn người lao động thủ tục "
         "chốt quá trình đóng bảo hiểm xã hội."),
    ],
}

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
# Conventional placeholder given names: "Nguyễn Văn A" reads as "a citizen" in Vietnamese forms.
PLACEHOLDERS = ("A", "B", "C", "D", "E", "G", "H", "K", "M", "N")
LOCATIONS = ("Phường Tân Thành", "Phường Bắc Sơn", "Xã An Bình", "Xã Phú Lộc", "Phường Hòa Minh")
OPERATORS = ("tongdaivien.demo1", "tongdaivien.demo2", "tongdaivien.demo3")
