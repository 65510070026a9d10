#pragma once

#include <curl/curl.h>

#include <memory>

namespace tincrawl {

// Owning pointers for libcurl handles, the one set every HTTP path of the daemon uses.
struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlShareDeleter {
  void operator()(CURLSH* share) const { curl_share_cleanup(share); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using EasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;
using SharePtr = std::unique_ptr<CURLSH, CurlShareDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;

}  // namespace tincrawl
