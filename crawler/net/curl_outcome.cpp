#include "crawler/net/curl_outcome.h"

#include <cerrno>

namespace tincrawl {

Outcome OutcomeFromCurlCode(CURLcode code, long os_errno) {
  switch (code) {
    case CURLE_OK:
      return Outcome::kOk;
    case CURLE_OPERATION_TIMEDOUT:
      return Outcome::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Outcome::kDns;
    case CURLE_COULDNT_CONNECT:
    // Accepted, then closed without a byte of answer: the server refused service. Counted with
    // refused connections, not with transfers cut short (kReset), because nothing was served.
    case CURLE_GOT_NOTHING:
      return Outcome::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
      return Outcome::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return Outcome::kTooLarge;
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2_STREAM:
      return Outcome::kReset;
    case CURLE_RECV_ERROR:
      return (os_errno == ECONNRESET || os_errno == EPIPE || os_errno == 0) ? Outcome::kReset
                                                                            : Outcome::kError;
    case CURLE_TOO_MANY_REDIRECTS:
      return Outcome::kRedirect;
    case CURLE_ABORTED_BY_CALLBACK:
      return Outcome::kCancelled;
    default:
      return Outcome::kError;
  }
}

}  // namespace tincrawl
