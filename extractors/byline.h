#pragma once

#include <string>
#include <string_view>

namespace tincrawl {

// Who a short credit line names, as Vietnamese portals print them.
enum class CreditKind {
  kNone,    // Not a credit line.
  kAuthor,  // The signature: "Phạm Linh", "CTV: Trần Thuyết", "Tin, ảnh: Hoàng Linh",
            // "Nguyễn Văn A - Trung tâm Truyền thông", "Tác giả: Minh Anh" (label dropped).
  kPostedBy,  // A CMS account or a generic role: "admin", "Ban biên tập", "Quản trị viên",
              // unaccented account names ("Pho Ban bien tap"), "Người đăng: …".
  kSource,    // The outlet the text came from: "Theo Báo Nhân Dân", "Nguồn: VOV".
};

struct Credit {
  CreditKind kind = CreditKind::kNone;
  std::string value;  // NFC, field labels removed, role prefixes ("CTV:", "PV") kept.
};

// Classifies one line of text (at most ~90 bytes; longer lines are kNone). `accept_bare_name`
// accepts a bare name ("Phạm Linh", 2..8 capitalised words, no sentence punctuation) without a
// label: pass true only for lines whose position or style marks them as a signature (the last
// or first short paragraph, bold or right-aligned, or an author element).
Credit ClassifyCredit(std::string_view line, bool accept_bare_name);

// True when `name` is a CMS account or a generic editorial role rather than a person's
// printed name: "admin", "Administrator", "Ban biên tập", "BBT", "Quản trị viên", "Webmaster",
// names with digits, '_', '@' or no capital letter, and unaccented multi-word names on
// Vietnamese portals ("Pho Ban bien tap", "admin admin").
bool IsAccountName(std::string_view name);

// A byline as the author field: surrounding parentheses and field labels ("Tác giả:", "Tác giả
// bài viết:", "Người viết:") removed; role prefixes ("CTV:", "PV") kept as published.
std::string CleanByline(std::string text);

}  // namespace tincrawl
