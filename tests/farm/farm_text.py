"""Vietnamese vocabulary and phrase templates for the simulated portal farm.

Everything here is deterministic given a random.Random instance. All strings are NFC.
"""

import random
import unicodedata

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Hữu", "Quang", "Thanh", "Ngọc", "Xuân", "Công", "Tiến",
            "Mạnh", "Đình"]
MIDDLE_F = ["Thị", "Thu", "Hồng", "Ngọc", "Thanh", "Minh", "Kim", "Phương"]
GIVEN_M = ["Học", "Thắng", "Thành", "Hùng", "Dũng", "Tuấn", "Hải", "Long", "Nam", "Cường",
           "Khánh", "Quyết", "Sơn", "Toàn", "Vinh", "Hiếu", "Trung", "Đạt", "Phúc", "Bình",
           "Thuyết", "Kiên", "Lợi", "Tùng"]
GIVEN_F = ["Hương", "Lan", "Mai", "Phương", "Thủy", "Yến", "Trang", "Linh", "Hà", "Nga",
           "Huyền", "Thảo", "Ngân", "Oanh", "Hạnh", "Duyên"]

PROVINCES = [
    ("Quảng Ninh", "quangninh"), ("Hà Nội", "hanoi"), ("Thanh Hóa", "thanhhoa"),
    ("Nghệ An", "nghean"), ("Hải Phòng", "haiphong"), ("Bắc Giang", "bacgiang"),
    ("Lào Cai", "laocai"), ("Thái Bình", "thaibinh"), ("Nam Định", "namdinh"),
    ("Ninh Bình", "ninhbinh"), ("Hà Tĩnh", "hatinh"), ("Quảng Bình", "quangbinh"),
    ("Quảng Trị", "quangtri"), ("Thừa Thiên Huế", "thuathienhue"), ("Đà Nẵng", "danang"),
    ("Quảng Nam", "quangnam"), ("Quảng Ngãi", "quangngai"), ("Bình Định", "binhdinh"),
    ("Phú Yên", "phuyen"), ("Khánh Hòa", "khanhhoa"), ("Ninh Thuận", "ninhthuan"),
    ("Bình Thuận", "binhthuan"), ("Kon Tum", "kontum"), ("Gia Lai", "gialai"),
    ("Đắk Lắk", "daklak"), ("Đắk Nông", "daknong"), ("Lâm Đồng", "lamdong"),
    ("Bình Phước", "binhphuoc"), ("Tây Ninh", "tayninh"), ("Bình Dương", "binhduong"),
    ("Đồng Nai", "dongnai"), ("Bà Rịa - Vũng Tàu", "baria-vungtau"), ("Long An", "longan"),
    ("Tiền Giang", "tiengiang"), ("Bến Tre", "bentre"), ("Trà Vinh", "travinh"),
    ("Vĩnh Long", "vinhlong"), ("Đồng Tháp", "dongthap"), ("An Giang", "angiang"),
    ("Kiên Giang", "kiengiang"), ("Cần Thơ", "cantho"), ("Hậu Giang", "haugiang"),
    ("Sóc Trăng", "soctrang"), ("Bạc Liêu", "baclieu"), ("Cà Mau", "camau"),
    ("Hà Giang", "hagiang"), ("Cao Bằng", "caobang"), ("Bắc Kạn", "backan"),
    ("Tuyên Quang", "tuyenquang"), ("Yên Bái", "yenbai"), ("Thái Nguyên", "thainguyen"),
    ("Lạng Sơn", "langson"), ("Phú Thọ", "phutho"), ("Vĩnh Phúc", "vinhphuc"),
    ("Bắc Ninh", "bacninh"), ("Hải Dương", "haiduong"), ("Hưng Yên", "hungyen"),
    ("Hà Nam", "hanam"), ("Hòa Bình", "hoabinh"), ("Sơn La", "sonla"),
    ("Điện Biên", "dienbien"), ("Lai Châu", "laichau"),
]

PLACE_SYLLABLES = ["An", "Bình", "Phú", "Tân", "Hòa", "Thạnh", "Long", "Đông", "Tây", "Nam",
                   "Bắc", "Hưng", "Thịnh", "Lộc", "Phước", "Thuận", "Yên", "Quang", "Minh",
                   "Trung", "Hải", "Sơn", "Thủy", "Lâm", "Cát", "Hồng", "Vĩnh", "Xuân", "Kim",
                   "Gia", "Mỹ", "Đức", "Hiệp", "Lạc", "Phong", "Thái", "Định", "Hà", "Cẩm",
                   "Tiên", "Đại", "Nghĩa", "Thượng", "Hạ", "Lương", "Tường", "Khánh", "Điền"]

AGENCIES = ["Sở Kế hoạch và Đầu tư", "Sở Tài chính", "Sở Giáo dục và Đào tạo", "Sở Y tế",
            "Sở Nông nghiệp và Phát triển nông thôn", "Sở Thông tin và Truyền thông",
            "Sở Tài nguyên và Môi trường", "Sở Giao thông vận tải", "Sở Xây dựng",
            "Sở Văn hóa, Thể thao và Du lịch", "Sở Lao động - Thương binh và Xã hội",
            "Sở Nội vụ", "Sở Tư pháp", "Sở Công Thương", "Sở Khoa học và Công nghệ",
            "Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh", "Thanh tra tỉnh", "Cục Thuế tỉnh",
            "Ban Quản lý các khu công nghiệp", "Bảo hiểm xã hội tỉnh"]
LOCAL_UNITS = ["Phòng Tài chính - Kế hoạch", "Phòng Giáo dục và Đào tạo", "Phòng Nội vụ",
               "Phòng Tài nguyên và Môi trường", "Phòng Văn hóa và Thông tin",
               "Phòng Kinh tế", "Phòng Lao động - Thương binh và Xã hội", "Phòng Y tế",
               "Trung tâm Văn hóa - Thông tin", "Ban Chỉ huy Quân sự", "Công an",
               "Ủy ban MTTQ Việt Nam", "Hội Liên hiệp Phụ nữ", "Hội Nông dân",
               "Đoàn Thanh niên"]
TOPICS = ["cải cách hành chính", "chuyển đổi số", "xây dựng nông thôn mới",
          "phòng, chống dịch bệnh", "giải phóng mặt bằng", "thu ngân sách nhà nước",
          "phòng, chống thiên tai và tìm kiếm cứu nạn", "bảo đảm trật tự an toàn giao thông",
          "bảo vệ môi trường", "giảm nghèo bền vững", "thu hút đầu tư",
          "phát triển du lịch", "chăm sóc sức khỏe nhân dân", "giáo dục và đào tạo",
          "quản lý đất đai", "phòng cháy, chữa cháy", "xây dựng Đảng và hệ thống chính trị",
          "cấp căn cước công dân", "đầu tư công", "an sinh xã hội",
          "phát triển kinh tế tập thể", "ứng dụng công nghệ thông tin",
          "phòng, chống tham nhũng, lãng phí", "công tác dân vận"]
EVENTS = ["hội nghị", "buổi làm việc", "phiên họp thường kỳ", "hội thảo", "lễ phát động",
          "buổi kiểm tra", "hội nghị trực tuyến", "buổi giao ban"]
DOC_TYPES = [("Quyết định", "QĐ-UBND"), ("Kế hoạch", "KH-UBND"), ("Chỉ thị", "CT-UBND"),
             ("Công văn", "UBND-VP"), ("Thông báo", "TB-UBND"), ("Nghị quyết", "NQ-HĐND")]
PROJECTS = ["tuyến đường ven sông", "trường mầm non trung tâm", "khu tái định cư",
            "cầu dân sinh", "trạm y tế", "nhà văn hóa khu dân cư", "kè chống sạt lở",
            "hệ thống cấp nước sạch", "chợ trung tâm", "khu công nghiệp"]
VERBS_DIRECT = ["yêu cầu", "đề nghị", "chỉ đạo", "giao", "nhấn mạnh"]
SOURCES_LOCAL = ["Trung tâm TT-VH", "Văn phòng HĐND-UBND", "Ban Tuyên giáo", "Phòng VH-TT"]

CATEGORIES = [("Tin tức - Sự kiện", "tin-tuc-su-kien"), ("Chỉ đạo - Điều hành", "chi-dao-dieu-hanh"),
              ("Thông báo", "thong-bao"), ("Kinh tế - Xã hội", "kinh-te-xa-hoi"),
              ("Văn hóa - Xã hội", "van-hoa-xa-hoi")]

WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


def strip_accents(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def slugify(s, maxwords=12):
    out, word = [], []
    for c in strip_accents(s).lower():
        if c.isalnum() and c.isascii():
            word.append(c)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return "-".join(out[:maxwords])


def person(rng):
    if rng.random() < 0.7:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"


def level_words(level):
    """(unit noun, council noun) of a locality level."""
    return {"province": ("tỉnh", "Tỉnh ủy"), "district": ("huyện", "Huyện ủy"),
            "commune": ("xã", "Đảng ủy xã")}[level]


def byline(rng):
    r = rng.random()
    name = person(rng)
    if r < 0.35:
        return f"CTV: {name}"
    if r < 0.55:
        return name
    if r < 0.75:
        return f"{name} ({rng.choice(SOURCES_LOCAL)})"
    if r < 0.9:
        parts = name.split()
        return f"{parts[-2]} {parts[-1]}"
    return f"PV {name.split()[-1]}"


class Ctx:
    """Slot values of one article: who, where, what."""

    def __init__(self, rng, place, level, year, unit=None, party=None):
        self.rng = rng
        self.place = place
        self.level = level
        self.unit, self.party = level_words(level)
        if unit:
            self.unit = unit
        if party:
            self.party = party
        self.year = year
        self.leader = person(rng)
        self.deputy = person(rng)
        self.topic = rng.choice(TOPICS)
        self.event = rng.choice(EVENTS)
        self.agency = rng.choice(AGENCIES if level == "province" else LOCAL_UNITS)
        self.project = rng.choice(PROJECTS)
        self.doc, self.doc_code = rng.choice(DOC_TYPES)
        self.doc_no = rng.randint(12, 3999)
        self.pct = rng.randint(55, 99)
        self.money = rng.randint(3, 950)


def title(ctx):
    r = ctx.rng
    c = ctx
    forms = [
        f"{c.agency} tổ chức {c.event} triển khai nhiệm vụ {c.topic} năm {c.year}",
        f"Chủ tịch UBND {c.unit} kiểm tra tiến độ thi công {c.project}",
        f"Ban hành {c.doc.lower()} về {c.topic} giai đoạn {c.year}-{c.year + 5}",
        f"Thông báo về việc tiếp nhận hồ sơ {c.topic} đợt {r.randint(1, 4)} năm {c.year}",
        f"Ban Thường vụ {c.party} cho ý kiến về công tác {c.topic}",
        f"{c.place}: Đẩy mạnh {c.topic} trong {r.choice(['quý', 'tháng'])} cuối năm",
        f"Sơ kết {r.choice(['6 tháng', '9 tháng', 'quý I', 'quý III'])} thực hiện "
        f"{c.topic} năm {c.year}",
        f"Hội nghị giao ban công tác {c.topic} tháng {r.randint(1, 12)}/{c.year}",
        f"Tăng cường công tác {c.topic} trên địa bàn {c.unit}",
        f"Khởi công xây dựng {c.project} với tổng mức đầu tư {c.money} tỷ đồng",
    ]
    return r.choice(forms)


def summary(ctx):
    c = ctx
    return (f"Ngày {c.rng.randint(1, 28)}/{c.rng.randint(1, 12)}, {c.agency} đã tổ chức "
            f"{c.event} nhằm đánh giá kết quả công tác {c.topic} và triển khai nhiệm vụ "
            f"trong thời gian tới.")


def sentence(ctx):
    r = ctx.rng
    c = ctx
    forms = [
        f"Dự {c.event} có đồng chí {c.leader}, Chủ tịch UBND {c.unit}; đồng chí {c.deputy}, "
        f"Phó Chủ tịch UBND {c.unit} cùng lãnh đạo các phòng, ban, đơn vị liên quan.",
        f"Theo báo cáo của {c.agency}, đến nay toàn {c.unit} đã hoàn thành {c.pct}% "
        f"kế hoạch năm {c.year} về {c.topic}.",
        f"Kết luận {c.event}, đồng chí {c.leader} {r.choice(VERBS_DIRECT)} các đơn vị tập "
        f"trung rà soát, khắc phục những tồn tại, hạn chế trong công tác {c.topic}.",
        f"Thực hiện {c.doc} số {c.doc_no}/{c.doc_code} ngày {r.randint(1, 28)}/"
        f"{r.randint(1, 12)}/{c.year}, các xã, phường, thị trấn đã chủ động xây dựng kế "
        f"hoạch cụ thể.",
        f"Tổng kinh phí thực hiện ước đạt {c.money} tỷ đồng, trong đó ngân sách {c.unit} "
        f"chiếm khoảng {r.randint(20, 80)}%.",
        f"Bên cạnh những kết quả đạt được, công tác {c.topic} vẫn còn một số khó khăn, "
        f"vướng mắc cần tháo gỡ kịp thời.",
        f"Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến tâm huyết nhằm nâng "
        f"cao hiệu quả công tác {c.topic} trên địa bàn.",
        f"Đồng chí {c.deputy} đề nghị {c.agency} phối hợp chặt chẽ với các địa phương, "
        f"bảo đảm tiến độ đề ra.",
        f"Trong năm {c.year}, {c.place} phấn đấu hoàn thành {r.randint(3, 15)} chỉ tiêu "
        f"chủ yếu về {c.topic}.",
        f"Người dân có thể tra cứu thông tin, nộp hồ sơ trực tuyến qua Cổng dịch vụ công "
        f"hoặc liên hệ trực tiếp Bộ phận tiếp nhận và trả kết quả.",
        f"Đến ngày {r.randint(1, 28)}/{r.randint(1, 12)}/{c.year}, đã có {r.randint(20, 900)} "
        f"hộ gia đình đồng thuận bàn giao mặt bằng để thi công {c.project}.",
        f"Lãnh đạo {c.unit} ghi nhận, biểu dương sự vào cuộc tích cực của cấp ủy, chính "
        f"quyền cơ sở và sự đồng thuận của Nhân dân.",
        f"Thời gian tới, {c.agency} sẽ tiếp tục tham mưu thực hiện hiệu quả các nhiệm vụ, "
        f"giải pháp đã đề ra.",
    ]
    return r.choice(forms)


def paragraph(ctx, nmin=2, nmax=4):
    return " ".join(sentence(ctx) for _ in range(ctx.rng.randint(nmin, nmax)))


def caption(ctx):
    r = ctx.rng
    return r.choice([
        f"Toàn cảnh {ctx.event}",
        f"Đồng chí {ctx.leader} phát biểu chỉ đạo tại {ctx.event}",
        f"Quang cảnh {ctx.event} về {ctx.topic}",
        f"Lãnh đạo {ctx.unit} kiểm tra thực tế tại công trình {ctx.project}",
        f"Các đại biểu dự {ctx.event}",
    ])


def table(ctx):
    r = ctx.rng
    rows = [["STT", "Đơn vị", "Chỉ tiêu", "Kết quả", "Tỷ lệ (%)"]]
    for i in range(r.randint(3, 6)):
        target = r.randint(50, 500)
        done = r.randint(target // 2, target)
        name = " ".join(r.sample(PLACE_SYLLABLES, 2))
        rows.append([str(i + 1), f"Xã {name}", str(target), str(done),
                     f"{100 * done / target:.1f}".replace(".", ",")])
    return rows


def attachment_title(ctx):
    return (f"{ctx.doc} số {ctx.doc_no}/{ctx.doc_code} về {ctx.topic}")


def near_duplicate_sentence(ctx):
    return (f"Thông tin chi tiết xin liên hệ Văn phòng UBND {ctx.unit} trong giờ hành chính.")


def visitor_counts(rng):
    return rng.randint(120, 3000), rng.randint(200_000, 9_000_000)


def make_place_name(rng, taken):
    for _ in range(200):
        name = " ".join(rng.sample(PLACE_SYLLABLES, 2))
        slug = slugify(name).replace("-", "")
        if slug not in taken:
            taken.add(slug)
            return name, slug
    i = 2
    while True:
        name = " ".join(rng.sample(PLACE_SYLLABLES, 2)) + f" {i}"
        slug = slugify(name).replace("-", "")
        if slug not in taken:
            taken.add(slug)
            return name, slug
        i += 1


def new_rng(*parts):
    return random.Random(":".join(str(p) for p in parts))
