// Adversarial pages against the full extraction: each shape is generated up to --mb MiB (10 by
// default, network.max_body_bytes), run once through Extract(), and timed. Prints per shape the
// wall time, what the HTML guard did, and at the end the worst time. The requirement (issue 17):
// every shape within 2 s on this machine, release build. Figures, not a test: it always exits 0.
//
//   build/release/bench/html_guard_bench [--mb N] [--only SHAPE] [--repeat N] [--page FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "extractors/extract.h"
#include "extractors/html_guard.h"

namespace {

using tincrawl::Article;

struct Shape {
  const char* name;
  std::function<std::string(size_t)> make;
};

// `head` once, then `unit(i)` until `bytes`, then `tail`.
std::string Repeat(size_t bytes, std::string_view head,
                   const std::function<std::string(size_t)>& unit, std::string_view tail = {}) {
  std::string s(head);
  s.reserve(bytes + 64);
  for (size_t i = 0; s.size() < bytes; ++i) s += unit(i);
  s += tail;
  return s;
}

std::string Fixed(const char* text) { return text; }

// A real portal page (run from the checkout, beside ../shared), repeated.
const char* g_page_path = "../shared/corpus/real/sotttt.hanoi.gov.vn-trang-chu.html";

std::string NormalPage(size_t bytes) {
  std::ifstream in(g_page_path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string page = ss.str();
  if (page.empty()) page = "<p>Trang tin điện tử</p>";
  return Repeat(bytes, "", [&](size_t) { return page; });
}

// Ordinary sloppy markup: unclosed <p>, <li> and <a>, rows without </tr>, inline formatting.
std::string BigArticle(size_t bytes) {
  std::string s = "<!DOCTYPE html><html><head><title>Thông báo</title></head><body>";
  s += "<div id=header><ul class=menu><li><a href=/a>Giới thiệu<li><a href=/b>Tin tức</ul>";
  s += "<div class=content><h1>Thông báo kết quả</h1>";
  for (int i = 0; s.size() < bytes; ++i) {
    s += "<p>Ngày <strong>" + std::to_string(i % 28 + 1) + "/3/2024</strong>, Sở <a href=\"/tin/" +
         std::to_string(i) + "\">Thông tin và Truyền thông</a> tổ chức hội nghị<br><em>(ảnh)</em>";
    if (i % 50 == 0) {
      s += "<table class=list><tr><th>STT<th>Nội dung";
      for (int r = 0; r < 20; ++r) s += "<tr><td>" + std::to_string(r) + "<td>Văn bản</td>";
      s += "</table>";
    }
  }
  return s + "</div></body></html>";
}

std::string Lexbor(size_t bytes) {
  // <b 0>..<b n><i 0>..<i n> then "x</b>" n times: reconstruction re-creates every <i>
  // after each </b>. n is chosen so the page is ~`bytes`, capped where gumbo alone needs hours.
  size_t n = std::min<size_t>(bytes / 24, 200000);
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "<b " + std::to_string(i) + ">";
  for (size_t i = 0; i < n; ++i) s += "<i " + std::to_string(i) + ">";
  for (size_t i = 0; i < n && s.size() < bytes; ++i) s += "x</b>";
  return s;
}

using Maker = std::function<std::string(size_t)>;

// `unit` repeated between `head` and `tail`.
Maker Rep(const char* unit, const char* head = "", const char* tail = "") {
  return [=](size_t b) {
    return Repeat(
        b, head, [=](size_t) { return Fixed(unit); }, tail);
  };
}

// `pre` + a running number + `post`, repeated after `head`.
Maker Numbered(const char* pre, const char* post, const char* head = "") {
  return [=](size_t b) {
    return Repeat(b, head, [=](size_t i) { return pre + std::to_string(i) + post; });
  };
}

// `levels` times `open`, then `unit` repeated: a deep page that goes on wide.
Maker DeepThen(size_t levels, const char* open, const char* unit, const char* middle = "") {
  return [=](size_t b) {
    std::string head;
    for (size_t i = 0; i < levels; ++i) head += open;
    head += middle;
    return Repeat(b, head, [=](size_t) { return Fixed(unit); });
  };
}

// Nesting tricks: depth hidden from a naive counter, misnested and foreign markup.
std::vector<Shape> NestingShapes() {
  return {
      {"nested_div", Rep("<div>")},
      {"div_stray_end_b", Rep("<div></b>")},
      {"comment_prefix_divs", Rep("<div>", "<!-->")},
      {"comment_hidden_gt", Rep("<div>", "<!-- > -->")},
      {"cdata_in_svg", Rep("<div>", "<svg><![CDATA[", "]]>")},
      {"script_hidden", Rep("<div>", "<script><!--</script>", "-->")},
      {"quoted_gt_attr", Rep("<div title='>'>")},
      {"end_tag_in_comment", Rep("<div><!-- ></div> -->x")},
      {"end_tag_in_quotes", Rep("<div title='></div>'>x")},
      {"deep_then_text", DeepThen(2000, "<div>", "xyz ")},
      {"deep_then_paragraphs", DeepThen(2000, "<div>", "<p>chữ")},
      {"deep_then_br_text", DeepThen(2000, "<span>", "chữ<br>")},
      {"deep_b_then_text", DeepThen(1990, "<div>", "chữ ", "<b>")},
      {"plaintext_tail", DeepThen(1990, "<div>", "<aaaaaaaa ", "<b><plaintext>")},
      {"unclosed_a", Rep("<a>")},
      {"unclosed_a_div", Rep("<a><div>")},
      {"unclosed_formatting", Numbered("<b class=", "><i>")},
      {"formatting_reconstruct", Lexbor},
      {"close_p_reopen_b", Numbered("<p><b id=", ">x")},
      {"nested_tables", Rep("<table><tr><td>")},
      {"table_foster_text", Rep("<div>x", "<table>")},
      {"deep_lists", Rep("<ul><li>")},
      {"deep_dl", Rep("<dl><dd>")},
      {"svg_nested_g", Rep("<g>", "<svg>")},
      {"svg_self_closing", Rep("<path/>", "<svg>")},
      {"svg_void_names", Rep("<input>", "<svg>")},
      {"math_nested", Rep("<mi><mo>", "<math>")},
      {"template_nested", Rep("<template>")},
      {"headings_nested", Rep("<h1><h2><span>")},
  };
}

// Volume: many nodes or attributes at a shallow depth, and ordinary pages.
std::vector<Shape> VolumeShapes() {
  return {
      {"big_article", BigArticle},
      {"real_pages_concatenated", NormalPage},
      {"plain_text", [](size_t b) { return "<p>" + std::string(b, 'x'); }},
      {"million_siblings_p", Rep("<p>x</p>")},
      {"million_siblings_b", Rep("<b>x</b>")},
      {"million_void_br", Rep("<br>")},
      {"giant_attribute_count", Numbered(" a", "", "<div")},
      {"end_tag_attribute_count", Numbered(" a", "", "<div>x</div")},
      {"giant_attribute_value",
       [](size_t b) { return "<div title=\"" + std::string(b, 'x') + "\">"; }},
      {"body_attr_merge", Numbered("<body a", ">")},
      {"endless_table_rows", Rep("<tr><td>x</td></tr>", "<table>")},
      {"select_options", Rep("<option>x", "<select>")},
  };
}

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 10;
  int repeat = 1;
  const char* only = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mb") == 0) mb = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--page") == 0) g_page_path = argv[i + 1];
  }
  double worst = 0;
  std::string worst_name;
  std::printf("%-24s %9s %9s %-9s %10s %9s\n", "shape", "bytes", "ms", "guard", "kept", "body");
  std::vector<Shape> shapes = VolumeShapes();
  for (Shape& shape : NestingShapes()) shapes.push_back(std::move(shape));
  for (const Shape& shape : shapes) {
    if (only != nullptr && std::strcmp(only, shape.name) != 0) continue;
    std::string page = shape.make(mb << 20);
    page.resize(std::min(page.size(), mb << 20));
    for (int r = 0; r < repeat; ++r) {
      tincrawl::ExtractInput in;
      in.bytes = page;
      in.url = "https://bench.gov.vn/tin-tuc/1.html";
      in.content_type = "text/html; charset=utf-8";
      auto t0 = std::chrono::steady_clock::now();
      Article a = tincrawl::Extract(in);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      tincrawl::GuardResult g = tincrawl::GuardHtml(page);
      size_t kept = g.cut == std::string::npos ? page.size() : g.cut;
      std::printf("%-24s %9zu %9.1f %-9s %10zu %9zu\n", shape.name, page.size(), ms,
                  a.guard.empty() ? "-" : a.guard.c_str(), kept, a.body.size());
      std::fflush(stdout);
      if (ms > worst) {
        worst = ms;
        worst_name = shape.name;
      }
    }
  }
  std::printf("worst: %.1f ms (%s); requirement < 2000 ms: %s\n", worst, worst_name.c_str(),
              worst < 2000 ? "met" : "NOT met");
  return 0;
}
