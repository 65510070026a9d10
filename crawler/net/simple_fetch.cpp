#include "crawler/net/simple_fetch.h"

#include <uv.h>

#include "crawler/common/outcome.h"
#include "crawler/net/fetcher.h"

namespace tincrawl {
namespace {

// Runs `loop` until `done` holds or nothing is left to run.
template <typename Done>
void RunUntil(uv_loop_t* loop, const Done& done) {
  while (!done() && uv_run(loop, UV_RUN_ONCE) != 0) {
  }
}

// One transfer on the daemon's own Fetcher, so every safety rule of the crawl applies.
bool FetchOnce(uv_loop_t* loop, const std::string& url, const NetworkConfig& net, FetchResult* out,
               std::string* error) {
  Fetcher fetcher(loop, net);
  bool ok = false;
  if (Status s = fetcher.Init(); !s.ok()) {
    *error = s.message();
  } else {
    FetchRequest req;
    req.url = url;
    bool finished = false;
    fetcher.Start(req, nullptr, [&](FetchResult r) {
      *out = std::move(r);
      finished = true;
    });
    RunUntil(loop, [&] { return finished; });
    ok = finished;
    if (!finished) *error = url + ": the fetch did not complete";
  }
  bool closed = false;
  fetcher.Shutdown([&] { closed = true; });
  RunUntil(loop, [&] { return closed; });
  return ok;
}

}  // namespace

bool SimpleFetch(const std::string& url, const NetworkConfig& net, std::string* body,
                 std::string* content_type, std::string* final_url, std::string* error) {
  uv_loop_t loop;
  if (const int rc = uv_loop_init(&loop); rc != 0) {
    *error = std::string("uv_loop_init: ") + uv_strerror(rc);
    return false;
  }
  FetchResult r;
  bool ok = FetchOnce(&loop, url, net, &r, error);
  uv_run(&loop, UV_RUN_DEFAULT);  // Lets the last close callbacks run.
  uv_loop_close(&loop);
  if (!ok) return false;
  if (r.outcome != Outcome::kOk) {
    *error = url + ": " +
             (r.http_status >= 400 ? "HTTP " + std::to_string(r.http_status)
                                   : std::string(OutcomeName(r.outcome)));
    if (!r.error.empty() && r.http_status < 400) *error += " (" + r.error + ")";
    return false;
  }
  *body = std::move(r.body);
  *content_type = std::move(r.content_type);
  *final_url = r.final_url.empty() ? url : std::move(r.final_url);
  return true;
}

}  // namespace tincrawl
