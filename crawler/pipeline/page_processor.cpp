#include "crawler/pipeline/page_processor.h"

#include <optional>

#include "crawler/frontier/recrawl.h"
#include "crawler/pipeline/discovery.h"
#include "crawler/pipeline/link_scan.h"
#include "crawler/telemetry/log.h"
#include "extractors/extract.h"

namespace tincrawl {

struct PageProcessor::Work {
  Work(const Lease& l, const FetchResult& r, const CrawlSite& s, int64_t now)
      : lease(l), result(r), site(s), now_ms(now) {}

  const Lease& lease;
  const FetchResult& result;
  const CrawlSite& site;
  int64_t now_ms;
  rocksdb::WriteBatch batch;
  FrontierBatch fbatch{&batch};
  std::string page_url;     // Normalized URL of the final response (the key).
  std::string fetched_url;  // The URL the final response came from, as requested.
  UrlKind kind = UrlKind::kUnknown;
  bool listing_like = false;
  std::optional<Article> article;
  PageOutcome out;
};

namespace {

// Feeds and sitemaps: by declared type, gzip magic, or an XML root element of a known kind.
bool LooksLikeFeed(const FetchResult& r) {
  if (ContainsNoCase(r.content_type, "xml") || ContainsNoCase(r.content_type, "rss") ||
      ContainsNoCase(r.content_type, "atom")) {
    return !ContainsNoCase(r.content_type, "xhtml");
  }
  std::string_view b = r.body;
  if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f &&
      static_cast<unsigned char>(b[1]) == 0x8b) {
    return true;
  }
  std::string_view head = b.substr(0, 512);
  return ContainsNoCase(head, "<rss") || ContainsNoCase(head, "<urlset") ||
         ContainsNoCase(head, "<sitemapindex") || ContainsNoCase(head, "<feed") ||
         ContainsNoCase(head, "<rdf:rdf");
}

ExtractFailure FailureReason(const Article& a) {
  if (a.error == "empty") return ExtractFailure::kEmpty;
  if (a.error == "binary") return ExtractFailure::kBinary;
  if (a.error == "too_large") return ExtractFailure::kTooLarge;
  if (!a.error.empty() && a.error != "no_content") return ExtractFailure::kOther;
  if (a.body.empty()) return ExtractFailure::kNoContent;
  if (a.title.empty()) return ExtractFailure::kNoTitle;
  return ExtractFailure::kNoDate;
}

int64_t NowSeconds(int64_t now_ms) { return now_ms / 1000; }

}  // namespace

PageProcessor::PageProcessor(const std::vector<CrawlSite>* sites, const SiteRouter* router,
                             Store* store, Frontier* frontier, Deduper* dedup, Spool* spool,
                             Metrics* metrics, CrawlCounters* counters, int keep_raw_html_days)
    : sites_(sites),
      router_(router),
      store_(store),
      frontier_(frontier),
      dedup_(dedup),
      spool_(spool),
      metrics_(metrics),
      counters_(counters),
      keep_raw_html_days_(keep_raw_html_days) {
  // Spool failures (here and in its Tick/Close retries) count in tincrawl_spool_errors_total.
  spool_->SetErrorObserver([m = metrics_](SpoolError e) {
    if (prometheus::Counter* c = m->SpoolErrors(SpoolErrorName(e))) c->Increment();
  });
  site_states_.resize(sites_->size());
  for (size_t i = 0; i < sites_->size(); ++i) {
    (void)store_->GetSiteState((*sites_)[i].config.id, &site_states_[i]);  // NotFound: zeros.
  }
}

void PageProcessor::UpdateSiteState(Work* w, const IngestResult* ingest) {
  std::lock_guard<std::mutex> lock(site_mu_);
  SiteState& st = site_states_[static_cast<size_t>(w->lease.site)];
  int64_t now_s = NowSeconds(w->now_ms);
  st.pages_fetched++;
  Outcome o = w->result.outcome;
  if (o == Outcome::kOk || o == Outcome::kNotModified) {
    st.last_success = now_s;
  } else if ((o != Outcome::kRobotsDenied || w->result.robots_unavailable) &&
             o != Outcome::kCancelled) {
    st.errors++;
    st.last_error = std::string(OutcomeName(o)) + ": " + w->lease.fetch_url;
  }
  if (w->out.extract_failed) st.errors++;
  if (ingest != nullptr) {
    switch (ingest->decision) {
      case IngestDecision::kNew:
        st.articles_new++;
        st.last_new_article = now_s;
        break;
      case IngestDecision::kUpdated:
        st.articles_updated++;
        break;
      case IngestDecision::kExactDuplicate:
      case IngestDecision::kNearDuplicate:
        st.duplicates++;
        break;
      case IngestDecision::kUnchanged:
        break;
    }
  }
  store_->PutSiteState(&w->batch, w->site.config.id, st);
}

void PageProcessor::SetWarc(WarcWriter* warc, std::string user_agent) {
  warc_ = warc;
  user_agent_ = std::move(user_agent);
}

void PageProcessor::Archive(const Work& w) {
  const FetchResult& r = w.result;
  HttpExchange x;
  x.target_uri = r.final_url.empty() ? w.lease.fetch_url : r.final_url;
  x.ip = r.primary_ip;
  x.fetched_at = NowSeconds(w.now_ms);
  x.request_head = r.request_headers;  // As curl sent them; empty only if none was sent.
  if (x.request_head.empty()) {
    x.request_headers = {{"Host", std::string(HostOf(x.target_uri))}, {"User-Agent", user_agent_}};
  }
  x.status = static_cast<int>(r.http_status);
  x.reason = r.http_status == 304 ? "Not Modified" : "OK";
  x.response_headers = r.response_headers;
  x.body = r.body;
  x.body_decoded = true;  // curl undid any Content-Encoding.
  Status s =
      r.outcome == Outcome::kNotModified ? warc_->WriteRevisit(x, "", "") : warc_->WriteExchange(x);
  if (!s.ok()) {
    metrics_->warc_errors->Increment();
    Log::Limited(LogLevel::kError, "warc", "WARC write failed", {{"error", s.message()}});
  }
}

PageOutcome PageProcessor::Process(const Lease& lease, const FetchResult& result, int64_t now_ms) {
  const CrawlSite& site = (*sites_)[static_cast<size_t>(lease.site)];
  Work w{lease, result, site, now_ms};
  // Spool lines kept by a write error go first; while they cannot be written, nothing new is
  // committed and the caller pauses and retries this page as for a full store.
  if (Status st = spool_->Retry(); !st.ok()) {
    w.out.status = st;
    return std::move(w.out);
  }
  bool ok = result.outcome == Outcome::kOk && !result.body.empty();
  if (ok) {
    const std::string& fetched = result.final_url.empty() ? lease.fetch_url : result.final_url;
    w.fetched_url = FetchFormUrl(fetched).value_or(fetched);
    w.page_url = site.normalizer->Normalize(fetched).value_or(lease.url);
    w.kind = lease.kind != UrlKind::kUnknown ? lease.kind : site.classifier->Classify(w.page_url);
    if (w.kind == UrlKind::kArticle || w.kind == UrlKind::kUnknown) ExtractArticle(&w);
    Discover(&w);
    if (keep_raw_html_days_ != 0) {
      store_->PutRaw(&w.batch, NowSeconds(now_ms), w.page_url, result.body);
    }
  }
  FetchReport report;
  report.outcome = result.outcome;
  report.http_status = static_cast<int>(result.http_status);
  report.etag = result.etag;
  report.last_modified = result.last_modified;
  report.new_links = w.out.links_added;
  report.now_ms = now_ms;
  report.robots_unavailable = result.robots_unavailable;
  int64_t next_due = 0;
  Status s = frontier_->Complete(lease, report, &w.fbatch, &next_due);
  IngestResult ingest;
  if (s.ok() && w.article) {
    s = Ingest(&w, &ingest);  // Commits the batch (page, frontier, article) atomically.
  } else if (s.ok()) {
    UpdateSiteState(&w, nullptr);
    s = store_->Write(&w.batch);
  }
  if (!s.ok()) {
    frontier_->Abandon(&w.fbatch);
    w.out.status = s;
    return std::move(w.out);
  }
  frontier_->Applied(&w.fbatch);
  // Archived once committed, so a retried (NoSpace) page is archived once.
  if (warc_ != nullptr && (ok || result.outcome == Outcome::kNotModified)) Archive(w);
  counters_->links_added += w.out.links_added;
  if (w.article) Publish(&w, ingest);
  return std::move(w.out);
}

void PageProcessor::Publish(Work* w, const IngestResult& ingest) {
  const CrawlSite& site = w->site;
  // The dedup decision is known only once Ingest committed, so the site's counters (plain
  // statistics, not the source of truth) follow in a small batch of their own.
  w->batch.Clear();
  UpdateSiteState(w, &ingest);
  if (Status st = store_->Write(&w->batch); !st.ok()) {
    LogWarn("site counters not saved", {{"site", site.config.id}, {"error", st.message()}});
  }
  w->out.article = true;
  w->out.decision = ingest.decision;
  CountIngest(site, ingest, NowSeconds(w->now_ms));
  if (ingest.emit) {
    Status e = spool_->Emit(ingest.record);
    if (e.ok()) {
      metrics_->spool_lines->Increment();
    } else {
      // The emit marker stays in the store; the spool re-emits the line when it reopens.
      LogError("spool append failed", {{"site", site.config.id}, {"error", e.message()}});
    }
  }
}

Status PageProcessor::Ingest(Work* w, IngestResult* result) {
  IngestContext ctx;
  ctx.site = w->site.config.id;
  ctx.locality = w->site.config.locality;
  ctx.url = w->page_url;
  ctx.fetched_url = w->fetched_url;
  ctx.fetched_at = NowSeconds(w->now_ms);
  return dedup_->Ingest(*w->article, ctx, &w->batch, result);
}

void PageProcessor::CountIngest(const CrawlSite& site, const IngestResult& r, int64_t now_s) {
  ArticleKind kind = ArticleKind::kNew;
  switch (r.decision) {
    case IngestDecision::kNew:
      kind = ArticleKind::kNew;
      counters_->articles_new++;
      site.metrics->last_new_article->Set(static_cast<double>(now_s));
      break;
    case IngestDecision::kUpdated:
      kind = ArticleKind::kUpdated;
      counters_->articles_updated++;
      break;
    case IngestDecision::kExactDuplicate:
      kind = ArticleKind::kDuplicateExact;
      counters_->duplicates_exact++;
      break;
    case IngestDecision::kNearDuplicate:
      kind = ArticleKind::kDuplicateNear;
      counters_->duplicates_near++;
      break;
    case IngestDecision::kUnchanged:
      kind = ArticleKind::kUnchanged;
      counters_->unchanged++;
      break;
  }
  site.metrics->articles[static_cast<int>(kind)]->Increment();
}

void PageProcessor::ExtractArticle(Work* w) {
  const ExtractRules& rules = w->site.config.extract;
  ExtractInput in;
  in.bytes = w->result.body;
  in.url = w->fetched_url;
  in.content_type = w->result.content_type;
  in.rules = rules.Empty() ? nullptr : &rules;
  Article a = Extract(in);
  // The canonical URL names the article: normalized like every key, so two spellings of one
  // link give one article id.
  a.canonical_url = w->site.normalizer->Normalize(a.canonical_url).value_or(w->page_url);
  if (a.fell_back) w->site.metrics->extract_fallback->Increment();
  if (!a.guard.empty()) {
    if (prometheus::Counter* c = metrics_->ExtractGuarded(a.guard)) c->Increment();
    Log::Limited(LogLevel::kWarn, "guard:" + w->site.config.id, "page parsed only in part",
                 {{"site", w->site.config.id}, {"url", w->lease.fetch_url}, {"reason", a.guard}});
  }
  if (a.page_kind == PageKind::kListing) w->listing_like = true;
  bool usable = a.page_kind == PageKind::kArticle && !a.title.empty() && !a.body.empty();
  if (usable) {
    if (a.published.empty()) CountExtractFailure(w->site, a, w);
    w->article = std::move(a);
  } else if (w->kind == UrlKind::kArticle) {
    CountExtractFailure(w->site, a, w);
  }
}

void PageProcessor::CountExtractFailure(const CrawlSite& site, const Article& a, Work* w) {
  site.metrics->extract_failures[static_cast<int>(FailureReason(a))]->Increment();
  counters_->extract_failures++;
  w->out.extract_failed = true;
  Log::Limited(LogLevel::kWarn, "extract:" + site.config.id, "extraction failed",
               {{"site", site.config.id},
                {"url", w->lease.fetch_url},
                {"reason", ExtractFailureName(FailureReason(a))}});
}

void PageProcessor::Discover(Work* w) {
  if (w->kind == UrlKind::kFeed || w->kind == UrlKind::kSitemap || LooksLikeFeed(w->result)) {
    DiscoverFeed(w);
  } else if (w->kind == UrlKind::kListing || w->listing_like || !w->article) {
    DiscoverLinks(w, /*only_known_kinds=*/false);
    if (w->kind == UrlKind::kListing || w->listing_like) DiscoverPagination(w);
  } else {
    // Article pages: their "Tin khác" blocks lead to other articles and listings.
    DiscoverLinks(w, /*only_known_kinds=*/true);
  }
}

void PageProcessor::DiscoverFeed(Work* w) {
  FeedResult feed = ParseFeed(w->result.body, w->fetched_url, *w->site.normalizer);
  for (const DiscoveredLink& link : feed.links) {
    UrlKind kind = link.is_sitemap ? UrlKind::kSitemap : UrlKind::kUnknown;
    AddLink(w, {link.fetch_url, link.url}, kind, link.source, w->lease.depth + 1,
            {.lastmod = link.lastmod});
  }
}

void PageProcessor::DiscoverLinks(Work* w, bool only_known_kinds) {
  ScannedLinks links = ScanLinks(w->result.body);
  // Links resolve against the page's own URL (or its <base href>), as a browser resolves them.
  std::string base = w->fetched_url;
  if (!links.base_href.empty())
    base = ResolveFetchForm(w->fetched_url, links.base_href).value_or(base);
  for (const std::string& href : links.feeds) {
    if (auto forms = w->site.normalizer->ResolveForms(base, href)) {
      AddLink(w, *forms, UrlKind::kFeed, DiscoveredBy::kFeed, 0, {});
    }
  }
  for (const std::string& href : links.hrefs) {
    auto forms = w->site.normalizer->ResolveForms(base, href);
    if (!forms) continue;
    int to_site = -1;
    if (router_->Route(w->lease.site, forms->key, &to_site) == Scope::kOutOfScope) {
      metrics_->urls_dropped_scope->Increment();
      continue;
    }
    UrlKind kind = (*sites_)[static_cast<size_t>(to_site)].classifier->Classify(forms->key);
    if (only_known_kinds && kind == UrlKind::kUnknown) continue;
    AddLink(w, *forms, kind, DiscoveredBy::kListing, w->lease.depth + 1, {});
  }
}

void PageProcessor::DiscoverPagination(Work* w) {
  int page = PageNumberOf(w->page_url);
  const Recrawl& rc = w->site.config.recrawl;
  if (!ShouldFollowPagination(w->lease.mode(), page, w->out.links_added, rc.backfill_pages)) {
    return;
  }
  const bool backfill = w->lease.mode() == CrawlMode::kBackfill;
  // In steady mode the next page is due now: its scheduled visit may be far off.
  const LinkHints hints{.backfill = backfill, .reschedule = !backfill};
  for (const PageLink& p :
       FindPaginationLinks(w->result.body, w->fetched_url, *w->site.normalizer)) {
    if (p.next || p.page == page + 1) {
      AddLink(w, {p.fetch_url, p.url}, UrlKind::kListing, DiscoveredBy::kListing, w->lease.depth,
              hints);
    }
  }
}

void PageProcessor::AddLink(Work* w, const UrlForms& link, UrlKind kind, DiscoveredBy by, int depth,
                            const LinkHints& hints) {
  int to_site = -1;
  if (router_->Route(w->lease.site, link.key, &to_site) == Scope::kOutOfScope) {
    metrics_->urls_dropped_scope->Increment();
    return;
  }
  const CrawlSite& target = (*sites_)[static_cast<size_t>(to_site)];
  // The owning site's query-parameter rules decide the key.
  std::optional<std::string> normalized = to_site == w->lease.site
                                              ? std::optional<std::string>(link.key)
                                              : target.normalizer->Normalize(link.fetch);
  if (!normalized) return;
  if (kind == UrlKind::kUnknown) kind = target.classifier->Classify(*normalized);
  if (kind == UrlKind::kIgnore) return;
  AddRequest req;
  req.url = *normalized;
  req.fetch_url = target.config.urls.fetch_canonical ? std::string_view(*normalized)
                                                     : std::string_view(link.fetch);
  req.kind = kind;
  req.discovered_by = by;
  req.depth = depth;
  req.due_ms = w->now_ms;
  req.lastmod = hints.lastmod;
  req.backfill = hints.backfill;
  req.reschedule = hints.reschedule;
  AddResult result = AddResult::kKnown;
  Status s = frontier_->Add(to_site, req, &w->fbatch, &result);
  if (!s.ok()) {
    LogWarn("frontier add failed", {{"url", *normalized}, {"error", s.message()}});
    return;
  }
  if (result == AddResult::kAdded) ++w->out.links_added;
  if (result == AddResult::kTrapped) metrics_->urls_dropped_trap->Increment();
}

Status PageProcessor::Seed(int site, const std::vector<std::string>& urls, UrlKind kind,
                           DiscoveredBy by, int64_t due_ms) {
  const CrawlSite& s = (*sites_)[static_cast<size_t>(site)];
  rocksdb::WriteBatch batch;
  FrontierBatch fbatch(&batch);
  for (const std::string& raw : urls) {
    std::optional<std::string> url = s.normalizer->Normalize(raw);
    const std::optional<std::string> fetch = FetchFormUrl(raw);
    if (!url || !fetch) {
      LogWarn("seed URL rejected", {{"site", s.config.id}, {"url", raw}});
      continue;
    }
    AddRequest req;
    req.url = *url;
    req.fetch_url = s.config.urls.fetch_canonical ? *url : *fetch;
    req.kind = kind != UrlKind::kUnknown ? kind : s.classifier->Classify(*url);
    if (req.kind == UrlKind::kUnknown) req.kind = UrlKind::kListing;
    req.discovered_by = by;
    req.due_ms = due_ms;
    AddResult result = AddResult::kKnown;
    if (Status st = frontier_->Add(site, req, &fbatch, &result); !st.ok()) {
      frontier_->Abandon(&fbatch);
      return st;
    }
  }
  return frontier_->Commit(&fbatch);
}

}  // namespace tincrawl
