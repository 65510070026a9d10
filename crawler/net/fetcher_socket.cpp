#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "crawler/net/fetcher.h"
#include "crawler/net/fetcher_internal.h"

namespace tincrawl {

using namespace fetcher_internal;  // NOLINT(google-build-using-namespace): internal helpers.

int Fetcher::OnCurlTimer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* self = static_cast<Fetcher*>(userp);
  if (timeout_ms < 0) return uv_timer_stop(self->timer_) == 0 ? 0 : -1;
  // Zero means "as soon as possible". A zero libuv timer re-armed from its own callback runs
  // again in the same loop pass (libuv 1.44), so curl would spin before any socket is polled;
  // like curl's multi-uv.c, wait at least 1 ms so every pass polls I/O first.
  const uint64_t wait_ms = std::max<uint64_t>(1, static_cast<uint64_t>(timeout_ms));
  return uv_timer_start(self->timer_, &Fetcher::OnUvTimer, wait_ms, 0) == 0 ? 0 : -1;
}

void Fetcher::OnUvTimer(uv_timer_t* timer) {
  auto* self = static_cast<Fetcher*>(timer->data);
  self->SocketAction(CURL_SOCKET_TIMEOUT, 0);
}

int Fetcher::OnCurlSocket(CURL* /*easy*/, curl_socket_t fd, int action, void* userp,
                          void* socketp) {
  return static_cast<Fetcher*>(userp)->HandleSocket(fd, action,
                                                    static_cast<SocketContext*>(socketp));
}

int Fetcher::HandleSocket(curl_socket_t fd, int action, SocketContext* ctx) {
  const bool assigned = ctx != nullptr;
  if (ctx == nullptr) {
    // curl forgets its socket data on CURL_POLL_REMOVE; a parked connection keeps its handle.
    auto it = sockets_.find(fd);
    ctx = it != sockets_.end() ? it->second : nullptr;
  }
  if (action == CURL_POLL_REMOVE) {
    // Parked, not stopped: libuv's uv_poll_stop/uv_poll_start each cost an epoll_ctl, and curl
    // usually asks for the same events again when it reuses the connection. An event on a
    // parked socket (peer closed it, or it is writable) stops it in OnUvPoll. curl closes the
    // socket through OnCloseSocket.
    // Unreferenced, so an idle connection does not keep the loop alive. Other sockets (the
    // threaded resolver's wake-up pair) are closed behind our back, so their handle goes now.
    if (ctx != nullptr && ctx->own && !ctx->parked) {
      ctx->parked = true;
      uv_unref(reinterpret_cast<uv_handle_t*>(&ctx->poll));
    } else if (ctx != nullptr && !ctx->own) {
      CloseSocketContext(ctx);
    }
    return 0;
  }
  if (ctx == nullptr) {
    ctx = OpenSocketContext(fd);
    if (ctx == nullptr) return -1;
  }
  if (!assigned && multi_ && curl_multi_assign(multi_.get(), fd, ctx) != CURLM_OK) return -1;
  if (ctx->parked) {
    ctx->parked = false;
    uv_ref(reinterpret_cast<uv_handle_t*>(&ctx->poll));
  }
  int events = 0;
  if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
  if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
  if (events == ctx->events) return 0;  // uv_poll_start would drop and re-add the fd in epoll.
  ctx->events = events;
  const int rc = uv_poll_start(&ctx->poll, events, &Fetcher::OnUvPoll);
  if (rc != 0) {
    std::fprintf(stderr, "tincrawl: uv_poll_start(%d): %s\n", fd, uv_strerror(rc));
    return -1;
  }
  return 0;
}

Fetcher::SocketContext* Fetcher::OpenSocketContext(curl_socket_t fd) {
  auto* ctx = new SocketContext;
  ctx->fetcher = this;
  ctx->fd = fd;
  ctx->own = own_fds_.count(fd) != 0;
  const int rc = uv_poll_init_socket(loop_, &ctx->poll, fd);
  if (rc != 0) {
    std::fprintf(stderr, "tincrawl: uv_poll_init_socket(%d): %s\n", fd, uv_strerror(rc));
    delete ctx;
    return nullptr;
  }
  ctx->poll.data = ctx;
  ++open_handles_;
  sockets_[fd] = ctx;
  return ctx;
}

// curl closes every socket it opened through OnOpenSocket here, also from the connection cache
// long after the transfer that opened it ended, so `clientp` is the Fetcher. The poll handle is
// closed first: libuv forgets the fd at once, before the number can come back from socket().
int Fetcher::OnCloseSocket(void* clientp, curl_socket_t fd) {
  auto* self = static_cast<Fetcher*>(clientp);
  self->own_fds_.erase(fd);
  auto it = self->sockets_.find(fd);
  if (it != self->sockets_.end()) self->CloseSocketContext(it->second);
  return close(fd);
}

void Fetcher::CloseSocketContext(SocketContext* ctx) {
  if (ctx->closing) return;
  ctx->closing = true;
  auto it = sockets_.find(ctx->fd);
  if (it != sockets_.end() && it->second == ctx) sockets_.erase(it);
  (void)uv_poll_stop(&ctx->poll);
  CloseHandle(reinterpret_cast<uv_handle_t*>(&ctx->poll));
}

void Fetcher::CloseHandle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) uv_close(handle, &Fetcher::OnHandleClosed);
}

void Fetcher::OnHandleClosed(uv_handle_t* handle) {
  Fetcher* self = nullptr;
  if (handle->type == UV_POLL) {
    auto* ctx = static_cast<SocketContext*>(handle->data);
    self = ctx->fetcher;
    delete ctx;
  } else if (handle->type == UV_IDLE) {
    self = static_cast<Fetcher*>(handle->data);
    delete reinterpret_cast<uv_idle_t*>(handle);
  } else if (handle->type == UV_CHECK) {
    self = static_cast<Fetcher*>(handle->data);
    delete reinterpret_cast<uv_check_t*>(handle);
  } else {
    self = static_cast<Fetcher*>(handle->data);
    delete reinterpret_cast<uv_timer_t*>(handle);
  }
  if (--self->open_handles_ == 0 && self->shutdown_done_ && self->on_closed_) {
    auto closed = std::move(self->on_closed_);
    self->on_closed_ = nullptr;
    closed();
  }
}

void Fetcher::OnUvPoll(uv_poll_t* poll, int status, int events) {
  auto* ctx = static_cast<SocketContext*>(poll->data);
  if (ctx->parked) {
    // curl is not watching this idle connection; it notices a closed peer when it next
    // checks the connection before reuse.
    ctx->events = 0;
    (void)uv_poll_stop(poll);
    return;
  }
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  }
  ctx->fetcher->SocketAction(ctx->fd, flags);
}

void Fetcher::SocketAction(curl_socket_t fd, int flags) {
  if (!multi_) return;
  ++dispatch_depth_;
  int running = 0;
  const CURLMcode mc = curl_multi_socket_action(multi_.get(), fd, flags, &running);
  if (mc != CURLM_OK) {
    std::fprintf(stderr, "tincrawl: curl_multi_socket_action: %s\n", curl_multi_strerror(mc));
  }
  DrainInfo();
  --dispatch_depth_;
  if (shutting_down_ && dispatch_depth_ == 0 && !shutdown_done_) FinishShutdown();
}

curl_socket_t Fetcher::OnOpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(clientp);
  Fetcher* self = t->fetcher;
  // Connecting means curl ran the transfer's setup, which put its resolve entries in the cache.
  if (t->resolve != nullptr) t->resolve->cached = true;
  if (purpose == CURLSOCKTYPE_IPCXN && self->net_.proxy.empty()) {
    const auto mapped = ToMapped(&address->addr);
    if (!mapped || !self->guard_.Allowed(*mapped)) {
      t->private_refused = true;
      t->refused_class = mapped ? std::string(AddressClassName(ClassifyAddress(*mapped)))
                                : std::string("unknown-family");
      return CURL_SOCKET_BAD;
    }
  }
  const curl_socket_t fd =
      socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd != CURL_SOCKET_BAD) self->own_fds_.insert(fd);
  return fd;
}

}  // namespace tincrawl
