// Compiled-in CMS family presets. Each is plain data (selector lists in the syntax of
// selector.h); site configs overlay their own rules on top with ExtractRules::Overlay.
#include <string>
#include <vector>

#include "extractors/extract.h"

namespace tincrawl {
namespace {

struct Preset {
  const char* name;
  ExtractRules rules;
};

const std::vector<Preset>& Presets() {
  static const std::vector<Preset> kPresets = {
      // Quảng Ninh's SharePoint farm (quangninh.gov.vn and its district sub-sites), article
      // pages /Trang/ChiTietTinTuc.aspx?nid=N: a news-detail web part with headline, date line,
      // optional lead and an rte body; bylines are the last right-aligned paragraph.
      {"sharepoint-qn",
       {.title = ".ArticleDetail h1.Title, h1.title-news, .news-detail h1, .chitiettin h1, "
                 ".ArticleTitle, [class*=TieuDe], [id*=TieuDe], [id*=lblTitle]",
        .date = ".ArticleDetail .Time, .date-news, .news-detail .date, [class*=NgayDang], "
                "[id*=NgayDang], [id*=lblDate], .ArticleDate",
        .author = ".ArticleContent p.tacgia, .author-news, [class*=TacGia], [id*=TacGia], "
                  "[id*=lblAuthor]",
        .summary = ".ArticleDetail .Summary, .sapo-news, [class*=TomTat], [id*=TomTat], "
                   ".ArticleSummary",
        .body = ".content-news, .news-detail .ms-rtestate-field, [class*=NoiDungTin], "
                "[id*=NoiDung], .ArticleContent",
        .remove = {".other-news", ".TinKhac", "[class*=TinKhac]", "[class*=TinLienQuan]",
                   "[class*=tin-lien-quan]", ".share-news", ".print-news", ".tools-news"},
        .date_formats = {"%d/%m/%Y %H:%M", "%d/%m/%Y"}}},
      // Tandan (Tân Dân) SharePoint portals, /portal/Pages/YYYY-M-D/*.aspx.
      {"tandan",
       {.title = "p.tandan-p-article-news-title, .tandan-article-news-title",
        .date = "span.tandan-span-date-publish, .tandan-date-publish",
        .author = "p.tandan-p-article-author, .tandan-article-author, "
                  ".tandan-p-article-news-author",
        .summary = "p.tandan-p-article-main, .tandan-article-main",
        .body = "div.ms-rtestate-field, div.tandan-div-article-content",
        .remove = {".tandan-div-article-other", ".tandan-div-article-tool", ".tandan-div-share"},
        .date_formats = {"%d/%m/%Y | %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"}}},
      // Liferay 6 Asset Publisher full-content view and Liferay 7 (span.asset-title).
      {"liferay",
       {.title = "div.asset-full-content-title, .asset-full-content span.asset-title, "
                 "h3.header-title span, .asset-full-content .asset-title",
        .date = "div.assetPublishDate.block_timer, .assetPublishDate, "
                "span.text-ngayxam-page, .asset-full-content .publish-date",
        .author = "p.view-content-author, .view-content-author",
        .summary = "p.sapo, .asset-summary-full",
        .body = ".asset-content div.journal-content-article, "
                ".asset-full-content div.journal-content-article",
        .remove = {"div.related_asset", "div.asset-control-detail", ".taglib-social-bookmarks",
                   ".asset-ratings", ".asset-links", ".taglib-ratings", "p.view-content-author",
                   "span.text-ngayxam-page"},
        .date_formats = {"%d/%m/%Y | %I:%M %p", "%d/%m/%Y %H:%M", "%d/%m/%Y"}}},
      // NukeViet 4 news module (/vi/news/<cat>/<slug>-<id>.html).
      {"nukeviet",
       {.title = "#news-detail h1.title, .news-detail h1.title, h1.title",
        .date = "span.h-date, .news-detail .time, #news-detail .time, .detail-time",
        .author = "p.author, .news-detail .author, #news-detail .author, .detail-author, "
                  "p.h5.text-right",
        .summary = "div.hometext, .news-detail .hometext",
        .body = "div#news-bodyhtml, div.bodytext",
        .remove = {".other-news", "ul.related", ".news_column .tags", ".socialicon",
                   ".news-detail .print", ".news-tool"},
        .date_formats = {"%d/%m/%Y %H:%M", "%d/%m/%Y"}}},
      // DotNetNuke portals: module containers are dnn_ctr<N>_<Module>_<Control>, so match on
      // the stable id fragments and class names instead of the numeric instance.
      {"dotnetnuke",
       {.title = "[id*=_lblTitle], [id*=_lblTieuDe], [id$=_Title], h1[class*=title], "
                 "[class*=NewsTitle], [class*=news-title], [class*=article-title]",
        .date = "[id*=_lblDate], [id*=_lblNgay], [id*=NgayDang], [class*=NewsDate], "
                "[class*=news-date], [class*=article-date]",
        .author = "[id*=_lblAuthor], [id*=_lblTacGia], [class*=NewsAuthor], "
                  "[class*=news-author], [class*=article-author]",
        .summary = "[id*=_lblSummary], [id*=_lblTomTat], [class*=NewsSummary], "
                   "[class*=news-summary], [class*=article-summary]",
        .body = "[id*=_lblContent], [id*=_lblNoiDung], [class*=NewsContent], "
                "[class*=news-content], [class*=article-content]",
        .remove = {"[class*=OtherNews]", "[class*=other-news]", "[class*=RelatedNews]",
                   "[class*=related-news]", "[id*=_lblOther]", "[class*=news-tool]"},
        .date_formats = {"%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %H:%M", "%d/%m/%Y"}}},
  };
  return kPresets;
}

}  // namespace

const ExtractRules* FindPreset(std::string_view family) {
  for (const Preset& p : Presets()) {
    if (family == p.name) return &p.rules;
  }
  return nullptr;
}

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const Preset& p : Presets()) names.emplace_back(p.name);
  return names;
}

}  // namespace tincrawl
