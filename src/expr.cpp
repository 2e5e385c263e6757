// The expression language: lexer, recursive-descent parser with a depth limit, type checker,
// emitter to a postfix stack program, and the interpreter.
#include "interpreter.hpp"

#include "expr_evidence.hpp"
#include "snapshot_columns.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>

#include "util/text_position.hpp"
#include "util/utf8.hpp"

namespace safeguard::expr {
namespace {

constexpr std::array<AttrInfo, 29> kAttributes = {{
    {"child.age", Scope::child, Type::number},
    {"child.age_months", Scope::child, Type::number},
    {"child.flags", Scope::child, Type::string_set},
    {"concern.category", Scope::concern, Type::string},
    {"concern.severity", Scope::concern, Type::number},
    {"concern.status", Scope::concern, Type::string},
    {"concern.restricted", Scope::concern, Type::boolean},
    {"concern.source_type", Scope::concern, Type::string},
    {"concern.age_days", Scope::concern, Type::number},
    {"concern.path", Scope::concern, Type::string},
    {"factor.kind", Scope::factor, Type::string},
    {"factor.strength", Scope::factor, Type::number},
    {"factor.active", Scope::factor, Type::boolean},
    {"factor.age_days", Scope::factor, Type::number},
    {"factor.path", Scope::factor, Type::string},
    {"timeline.overdue", Scope::child, Type::number},
    {"timeline.late", Scope::child, Type::number},
    {"timeline.due", Scope::child, Type::number},
    {"timeline.max_overdue_days", Scope::child, Type::number},
    {"timeline.review_overdue", Scope::child, Type::boolean},
    {"timeline.on_plan", Scope::child, Type::boolean},
    {"timeline.not_required", Scope::child, Type::number},
    {"timeline.looked_after", Scope::child, Type::boolean},
    {"timeline.re_referral", Scope::child, Type::boolean},
    {"timeline.plans", Scope::child, Type::number},
    {"timeline.subsequent_plan", Scope::child, Type::boolean},
    {"timeline.days_since_review", Scope::child, Type::number},
    {"timeline.missed", Scope::child, Type::number},
    {"timeline.not_recorded", Scope::child, Type::number},
}};

constexpr std::array<std::string_view, 4> kTypeNames = {"boolean", "number", "string",
                                                        "set of strings"};

// ---- Lexer ---------------------------------------------------------------------------------

enum class Tok : std::uint8_t {
  end,
  number,
  string,
  ident,
  lparen,
  rparen,
  lbracket,
  rbracket,
  comma,
  dot,
  plus,
  minus,
  star,
  slash,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
};

struct Token {
  Tok kind = Tok::end;
  std::size_t offset = 0;
  std::string text;  // identifier or decoded string literal
  double number = 0;
};

// ---- AST -----------------------------------------------------------------------------------

enum class NodeKind : std::uint8_t {
  number,
  string,
  boolean,
  attribute,
  unary,
  binary,
  in_list,
  in_set,
  call,
  aggregate
};

struct Node {
  NodeKind kind;
  std::size_t offset = 0;
  Type type = Type::boolean;
  Op op = Op::push_number;
  double number = 0;
  std::string text;
  Attr attr = Attr::child_age;
  bool negated = false;  // `not in`
  AggregateKind aggregate = AggregateKind::count;
  Collection collection = Collection::concerns;
  std::unique_ptr<Node> filter;
  std::unique_ptr<Node> value;
  std::vector<std::unique_ptr<Node>> kids;
  int height = 1;  // of the subtree: 1 for a leaf
};
using NodePtr = std::unique_ptr<Node>;

class Compiler {
 public:
  // The tallest expression tree (docs/limits.md): far above what a rule needs, far below what
  // would strain a 1 MiB stack in the recursive passes over the tree.
  static constexpr int kMaxHeight = 256;

  Compiler(std::string_view text, Scope scope, SymbolTable& symbols, const Location& origin,
           const CompileLimits& limits)
      : text_(text), scope_(scope), symbols_(symbols), origin_(origin), limits_(limits) {}

  Compiled run(Type expected) {
    if (text_.size() > limits_.max_length) {
      fail(0, Status::limit,
           "expression is longer than " + std::to_string(limits_.max_length) + " characters");
    }
    if (!detail::is_valid_utf8(text_)) fail(0, Status::encoding, "expression is not valid UTF-8");
    // As every text of a pack (rules_toml.cpp): an expression may run over lines, and hold no
    // other control character, in a string literal or anywhere else.
    if (const std::size_t at = detail::first_control_at(text_); at != std::string_view::npos) {
      fail(at, Status::invalid_data,
           "expression holds " + detail::describe_unprintable(
                                     *detail::first_control(text_.substr(at, text_.size() - at))));
    }
    next();
    NodePtr root = parse_or(0);
    if (token_.kind != Tok::end)
      fail(token_.offset, Status::parse, "unexpected " + describe(token_));
    check(*root, scope_, false);
    if (root->type != expected) {
      fail(root->offset, Status::type,
           "expected a " + std::string(to_string(expected)) + " expression, found a " +
               std::string(to_string(root->type)));
    }
    Compiled out;
    out.type = root->type;
    out.source = std::string(text_);
    compiled_ = &out;
    int depth = 0;
    emit(*root, out.main, depth);
    out.reads_status = loads(out.main, Attr::concern_status);
    out.constant = out.attributes.empty() && out.aggregates.empty() && !out.reads_adults();
    find_guard(*root, out.guard);  // after emit: the literals are interned already
    compile_tests(*root, out.tests);
    return out;
  }

 private:
  [[noreturn]] void fail(std::size_t offset, Status status, const std::string& message) const {
    // The expression's own position, shifted by where it starts (its origin) in its file.
    Location where = origin_;
    const int line = origin_.line > 0 ? origin_.line : 1;
    const int column = origin_.column > 0 ? origin_.column : 1;
    const TextPosition at = text_position(text_, offset);
    where.line = line + at.line - 1;
    where.column = at.line == 1 ? column + at.column - 1 : at.column;
    throw Error(status, message, where);
  }

  static std::string describe(const Token& token) {
    switch (token.kind) {
      case Tok::end:
        return "end of expression";
      case Tok::number:
        return "number";
      case Tok::string:
        return "string \"" + token.text + "\"";
      case Tok::ident:
        return "'" + token.text + "'";
      default:
        return "symbol";
    }
  }

  // -- lexing

  void next() {
    std::size_t i = pos_;
    while (i < text_.size() &&
           (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r')) {
      ++i;
    }
    token_ = Token{};
    token_.offset = i;
    if (i >= text_.size()) {
      pos_ = i;
      return;
    }
    const char c = text_[i];
    auto single = [&](Tok kind) {
      token_.kind = kind;
      pos_ = i + 1;
    };
    auto pair = [&](char second, Tok two, Tok one) {
      if (i + 1 < text_.size() && text_[i + 1] == second) {
        token_.kind = two;
        pos_ = i + 2;
      } else {
        single(one);
      }
    };
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
      if (j < text_.size() && text_[j] == '.') {
        ++j;
        if (j >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[j]))) {
          fail(j, Status::parse, "a digit must follow the decimal point");
        }
        while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
      }
      // An exponent: 1e-05, 2.5E+20.
      if (j < text_.size() && (text_[j] == 'e' || text_[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
        if (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) {
          while (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) ++k;
          j = k;
        }
      }
      if (j < text_.size() &&
          (std::isalpha(static_cast<unsigned char>(text_[j])) || text_[j] == '_')) {
        fail(j, Status::parse, "a number must not run into a name");
      }
      token_.kind = Tok::number;
      token_.number = std::strtod(std::string(text_.substr(i, j - i)).c_str(), nullptr);
      if (!std::isfinite(token_.number)) fail(i, Status::parse, "number is out of range");
      pos_ = j;
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_')) {
        ++j;
      }
      token_.kind = Tok::ident;
      token_.text = std::string(text_.substr(i, j - i));
      pos_ = j;
      return;
    }
    if (c == '"' || c == '\'') {
      std::size_t j = i + 1;
      std::string value;
      while (j < text_.size() && text_[j] != c) {
        if (text_[j] == '\\') {
          if (j + 1 >= text_.size()) fail(i, Status::parse, "string literal is not closed");
          const char escaped = text_[j + 1];
          if (escaped != '\\' && escaped != '"' && escaped != '\'') {
            fail(j, Status::parse, "unknown escape in string literal");
          }
          value += escaped;
          j += 2;
          continue;
        }
        if (text_[j] == '\n')
          fail(j, Status::parse, "string literal runs past the end of the line");
        value += text_[j++];
      }
      if (j >= text_.size()) fail(i, Status::parse, "string literal is not closed");
      token_.kind = Tok::string;
      token_.text = std::move(value);
      pos_ = j + 1;
      return;
    }
    switch (c) {
      case '(':
        return single(Tok::lparen);
      case ')':
        return single(Tok::rparen);
      case '[':
        return single(Tok::lbracket);
      case ']':
        return single(Tok::rbracket);
      case ',':
        return single(Tok::comma);
      case '.':
        return single(Tok::dot);
      case '+':
        return single(Tok::plus);
      case '-':
        return single(Tok::minus);
      case '*':
        return single(Tok::star);
      case '/':
        return single(Tok::slash);
      case '<':
        return pair('=', Tok::le, Tok::lt);
      case '>':
        return pair('=', Tok::ge, Tok::gt);
      case '=':
        if (i + 1 < text_.size() && text_[i + 1] == '=') return pair('=', Tok::eq, Tok::eq);
        fail(i, Status::parse, "use '==' to compare");
      case '!':
        if (i + 1 < text_.size() && text_[i + 1] == '=') return pair('=', Tok::ne, Tok::ne);
        fail(i, Status::parse, "use 'not' for negation");
      default:
        fail(i, Status::parse, std::string("unexpected character '") + c + "'");
    }
  }

  bool is_keyword(std::string_view word) const {
    return token_.kind == Tok::ident && token_.text == word;
  }

  void expect(Tok kind, const std::string& what) {
    if (token_.kind != kind)
      fail(token_.offset, Status::parse, "expected " + what + ", found " + describe(token_));
    next();
  }

  void guard_depth(int depth) const {
    if (depth > limits_.max_depth) {
      fail(token_.offset, Status::limit,
           "expression nests deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
  }

  // -- parsing

  static NodePtr make(NodeKind kind, std::size_t offset) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->offset = offset;
    return node;
  }

  NodePtr binary(Op op, NodePtr left, NodePtr right, std::size_t offset) {
    auto node = make(NodeKind::binary, offset);
    node->op = op;
    node->kids.push_back(std::move(left));
    node->kids.push_back(std::move(right));
    return built(std::move(node));
  }

  // Sets a finished node's height and refuses a tree taller than kMaxHeight. The depth limit
  // bounds the parser's recursion, but a chain (`1 + 1 + ... + 1`, `a or b or ...`) is parsed
  // in a loop and builds a left-leaning tree as tall as the chain is long, which the type
  // checker, the emitter and the tree's destructor then recurse over: 2,000 terms, within the
  // length limit, overflowed a 1 MiB stack.
  NodePtr built(NodePtr node) {
    int tallest = 0;
    for (const auto& kid : node->kids) tallest = std::max(tallest, kid->height);
    if (node->filter) tallest = std::max(tallest, node->filter->height);
    if (node->value) tallest = std::max(tallest, node->value->height);
    node->height = tallest + 1;
    if (node->height > kMaxHeight) {
      fail(node->offset, Status::limit,
           "expression has more than " + std::to_string(kMaxHeight) +
               " operators applied one after another; group them in parentheses or split the "
               "rule");
    }
    return node;
  }

  NodePtr parse_or(int depth) {
    guard_depth(depth);
    NodePtr left = parse_and(depth + 1);
    while (is_keyword("or")) {
      const std::size_t at = token_.offset;
      next();
      left = binary(Op::logical_or, std::move(left), parse_and(depth + 1), at);
    }
    return left;
  }

  NodePtr parse_and(int depth) {
    guard_depth(depth);
    NodePtr left = parse_not(depth + 1);
    while (is_keyword("and")) {
      const std::size_t at = token_.offset;
      next();
      left = binary(Op::logical_and, std::move(left), parse_not(depth + 1), at);
    }
    return left;
  }

  NodePtr parse_not(int depth) {
    guard_depth(depth);
    if (is_keyword("not")) {
      const std::size_t at = token_.offset;
      next();
      auto node = make(NodeKind::unary, at);
      node->op = Op::logical_not;
      node->kids.push_back(parse_not(depth + 1));
      return built(std::move(node));
    }
    return parse_comparison(depth + 1);
  }

  NodePtr parse_comparison(int depth) {
    guard_depth(depth);
    NodePtr left = parse_additive(depth + 1);
    const std::size_t at = token_.offset;
    Op op;
    switch (token_.kind) {
      case Tok::eq:
        op = Op::equal;
        break;
      case Tok::ne:
        op = Op::not_equal;
        break;
      case Tok::lt:
        op = Op::less;
        break;
      case Tok::le:
        op = Op::less_equal;
        break;
      case Tok::gt:
        op = Op::greater;
        break;
      case Tok::ge:
        op = Op::greater_equal;
        break;
      default: {
        bool negated = false;
        if (is_keyword("not")) {
          next();
          if (!is_keyword("in")) fail(token_.offset, Status::parse, "expected 'in' after 'not'");
          negated = true;
        }
        if (!is_keyword("in")) return left;
        next();
        return parse_in(std::move(left), negated, at, depth + 1);
      }
    }
    next();
    NodePtr right = parse_additive(depth + 1);
    if (token_.kind >= Tok::eq && token_.kind <= Tok::ge) {
      fail(token_.offset, Status::parse, "comparisons do not chain; join them with 'and'");
    }
    return binary(op, std::move(left), std::move(right), at);
  }

  NodePtr parse_in(NodePtr left, bool negated, std::size_t at, int depth) {
    guard_depth(depth);
    if (token_.kind == Tok::lbracket) {
      auto node = make(NodeKind::in_list, at);
      node->negated = negated;
      node->kids.push_back(std::move(left));
      next();
      while (true) {
        if (token_.kind == Tok::number || token_.kind == Tok::string) {
          node->kids.push_back(parse_primary(depth + 1));
        } else if (token_.kind == Tok::minus) {
          next();
          if (token_.kind != Tok::number)
            fail(token_.offset, Status::parse, "a list holds literals only");
          auto literal = parse_primary(depth + 1);
          literal->number = -literal->number;
          node->kids.push_back(std::move(literal));
        } else {
          fail(token_.offset, Status::parse,
               "a list holds literals only, found " + describe(token_));
        }
        if (token_.kind == Tok::comma) {
          next();
          continue;
        }
        expect(Tok::rbracket, "',' or ']'");
        break;
      }
      if (node->kids.size() > 1025) fail(at, Status::limit, "a list holds at most 1024 items");
      return built(std::move(node));
    }
    auto node = make(NodeKind::in_set, at);
    node->negated = negated;
    node->kids.push_back(std::move(left));
    node->kids.push_back(parse_additive(depth + 1));
    return built(std::move(node));
  }

  NodePtr parse_additive(int depth) {
    guard_depth(depth);
    NodePtr left = parse_term(depth + 1);
    while (token_.kind == Tok::plus || token_.kind == Tok::minus) {
      const Op op = token_.kind == Tok::plus ? Op::add : Op::subtract;
      const std::size_t at = token_.offset;
      next();
      left = binary(op, std::move(left), parse_term(depth + 1), at);
    }
    return left;
  }

  NodePtr parse_term(int depth) {
    guard_depth(depth);
    NodePtr left = parse_unary(depth + 1);
    while (token_.kind == Tok::star || token_.kind == Tok::slash) {
      const Op op = token_.kind == Tok::star ? Op::multiply : Op::divide;
      const std::size_t at = token_.offset;
      next();
      left = binary(op, std::move(left), parse_unary(depth + 1), at);
    }
    return left;
  }

  NodePtr parse_unary(int depth) {
    guard_depth(depth);
    if (token_.kind == Tok::minus) {
      const std::size_t at = token_.offset;
      next();
      auto node = make(NodeKind::unary, at);
      node->op = Op::negate;
      node->kids.push_back(parse_unary(depth + 1));
      return built(std::move(node));
    }
    return parse_primary(depth + 1);
  }

  NodePtr parse_primary(int depth) {
    guard_depth(depth);
    const std::size_t at = token_.offset;
    switch (token_.kind) {
      case Tok::number: {
        auto node = make(NodeKind::number, at);
        node->number = token_.number;
        next();
        return node;
      }
      case Tok::string: {
        auto node = make(NodeKind::string, at);
        node->text = token_.text;
        next();
        return node;
      }
      case Tok::lparen: {
        next();
        NodePtr inner = parse_or(depth + 1);
        expect(Tok::rparen, "')'");
        return inner;
      }
      case Tok::ident:
        break;
      default:
        fail(at, Status::parse, "expected a value, found " + describe(token_));
    }
    std::string name = token_.text;
    next();
    if (name == "true" || name == "false") {
      auto node = make(NodeKind::boolean, at);
      node->number = name == "true" ? 1 : 0;
      return node;
    }
    if (name == "and" || name == "or" || name == "not" || name == "in" || name == "where") {
      fail(at, Status::parse, "expected a value, found '" + name + "'");
    }
    if (token_.kind == Tok::lparen) return parse_call(name, at, depth + 1);
    if (token_.kind != Tok::dot) {
      fail(at, Status::parse,
           "unknown name '" + name +
               "'; attributes are written entity.attribute, e.g. concern.severity");
    }
    next();
    if (token_.kind != Tok::ident)
      fail(token_.offset, Status::parse, "expected an attribute name after '.'");
    const std::string full = name + "." + token_.text;
    next();
    for (std::size_t i = 0; i < kAttributes.size(); ++i) {
      if (kAttributes[i].name == full) {
        auto node = make(NodeKind::attribute, at);
        node->attr = static_cast<Attr>(i);
        return node;
      }
    }
    fail(at, Status::type, "unknown attribute '" + full + "'");
  }

  bool parse_collection(Collection& out) {
    if (token_.kind != Tok::ident) return false;
    if (token_.text == "concerns")
      out = Collection::concerns;
    else if (token_.text == "family_concerns")
      out = Collection::family_concerns;
    else if (token_.text == "factors")
      out = Collection::factors;
    else
      return false;
    next();
    return true;
  }

  NodePtr parse_call(const std::string& name, std::size_t at, int depth) {
    guard_depth(depth);
    next();  // '('
    AggregateKind aggregate;
    bool is_aggregate = true;
    bool takes_value = false;
    if (name == "count")
      aggregate = AggregateKind::count;
    else if (name == "distinct_agencies")
      aggregate = AggregateKind::distinct_agencies;
    else if (name == "days_since_last")
      aggregate = AggregateKind::days_since_last;
    else if (name == "distinct_categories")
      aggregate = AggregateKind::distinct_categories;
    else if (name == "sum")
      aggregate = AggregateKind::sum, takes_value = true;
    else if (name == "max")
      aggregate = AggregateKind::max, takes_value = true;
    else
      is_aggregate = false;

    Collection collection;
    if (is_aggregate && parse_collection(collection)) {
      auto node = make(NodeKind::aggregate, at);
      node->aggregate = aggregate;
      node->collection = collection;
      if (takes_value) {
        expect(Tok::comma, "',' and the value to " + name);
        node->value = parse_additive(depth + 1);
      }
      if (is_keyword("where")) {
        next();
        node->filter = parse_or(depth + 1);
      }
      expect(Tok::rparen, "')'");
      return built(std::move(node));
    }
    if (is_aggregate && name != "max") {
      fail(token_.offset, Status::parse,
           name + " takes a collection first: concerns, family_concerns or factors");
    }
    auto node = make(NodeKind::call, at);
    node->text = name;
    if (token_.kind != Tok::rparen) {
      while (true) {
        node->kids.push_back(parse_or(depth + 1));
        if (token_.kind != Tok::comma) break;
        next();
      }
    }
    expect(Tok::rparen, "')'");
    return built(std::move(node));
  }

  // -- guards

  // Looks among the top-level `and` conjuncts for one that pins concern.category or
  // factor.kind to literals; such an attribute is never unknown, so when the conjunct is false
  // the whole expression is a known false (Kleene `and`).
  bool find_guard(const Node& node, Guard& out) {
    if (node.kind == NodeKind::binary && node.op == Op::logical_and)
      return find_guard(*node.kids[0], out) || find_guard(*node.kids[1], out);
    auto guardable = [](const Node& n) {
      return n.kind == NodeKind::attribute &&
             (n.attr == Attr::concern_category || n.attr == Attr::factor_kind);
    };
    if (node.kind == NodeKind::in_list && !node.negated && guardable(*node.kids[0])) {
      out.active = true;
      out.attr = node.kids[0]->attr;
      for (std::size_t i = 1; i < node.kids.size(); ++i)
        out.symbols.push_back(symbols_.intern(node.kids[i]->text));
      return true;
    }
    if (node.kind == NodeKind::binary && node.op == Op::equal) {
      for (int side = 0; side < 2; ++side) {
        const Node& attribute = *node.kids[side];
        const Node& literal = *node.kids[1 - side];
        if (guardable(attribute) && literal.kind == NodeKind::string) {
          out.active = true;
          out.attr = attribute.attr;
          out.symbols.push_back(symbols_.intern(literal.text));
          return true;
        }
      }
    }
    return false;
  }

  // -- straight-line tests (Conjunction)

  // Attributes whose load never gives an unknown: a concern's or factor's own fields, its
  // age (a concern always has a date) and the path it arrived by.
  static bool always_known(Attr attr) {
    switch (attr) {
      case Attr::concern_category:
      case Attr::concern_severity:
      case Attr::concern_status:
      case Attr::concern_restricted:
      case Attr::concern_source_type:
      case Attr::concern_age_days:
      case Attr::concern_path:
      case Attr::factor_kind:
      case Attr::factor_strength:
      case Attr::factor_active:
      case Attr::factor_path:
        return true;
      default:
        return false;
    }
  }

  // With the literal on the left, the mirrored comparison: 3 <= x is x >= 3.
  static Op mirrored(Op op) {
    switch (op) {
      case Op::less:
        return Op::greater;
      case Op::less_equal:
        return Op::greater_equal;
      case Op::greater:
        return Op::less;
      case Op::greater_equal:
        return Op::less_equal;
      default:
        return op;
    }
  }

  // An aggregate whose value is a count: count, distinct_agencies, distinct_categories (a sum
  // can overflow and days_since_last can be unknown).
  static bool counts(const Node& node) {
    return node.kind == NodeKind::aggregate &&
           (node.aggregate == AggregateKind::count ||
            node.aggregate == AggregateKind::distinct_agencies ||
            node.aggregate == AggregateKind::distinct_categories);
  }

  static bool finite_number(const Node& node) {
    return node.kind == NodeKind::number && std::isfinite(node.number);
  }

  // `node` as tests joined by `and` into `out`, or `out` left inactive when any part of it
  // has another shape.
  void compile_tests(const Node& node, Conjunction& out) {
    Conjunction tests;
    if (!add_tests(node, tests)) return;
    tests.active = true;
    out = std::move(tests);
  }

  bool add_tests(const Node& node, Conjunction& out) {
    using Kind = EvidenceTest::Kind;
    auto attribute = [](const Node& n) {
      return n.kind == NodeKind::attribute && always_known(n.attr);
    };
    if (node.kind == NodeKind::binary && node.op == Op::logical_and)
      return add_tests(*node.kids[0], out) && add_tests(*node.kids[1], out);
    EvidenceTest test;
    if (node.kind == NodeKind::attribute && attribute(node) && node.type == Type::boolean) {
      test.kind = Kind::flag;
      test.attr = node.attr;
    } else if (node.kind == NodeKind::unary && node.op == Op::logical_not &&
               attribute(*node.kids[0]) && node.kids[0]->type == Type::boolean) {
      test.kind = Kind::flag;
      test.attr = node.kids[0]->attr;
      test.negated = true;
    } else if (node.kind == NodeKind::in_list && attribute(*node.kids[0])) {
      const bool strings = node.kids[0]->type == Type::string;
      test.kind = strings ? Kind::symbol_in : Kind::number_in;
      test.attr = node.kids[0]->attr;
      test.negated = node.negated;
      test.first = static_cast<std::uint32_t>(strings ? out.symbols.size() : out.numbers.size());
      test.count = static_cast<std::uint32_t>(node.kids.size() - 1);
      for (std::size_t i = 1; i < node.kids.size(); ++i) {
        const Node& item = *node.kids[i];
        if (strings && item.kind == NodeKind::string) {
          out.symbols.push_back(symbols_.intern(item.text));
        } else if (!strings && finite_number(item)) {
          out.numbers.push_back(item.number);
        } else {
          return false;
        }
      }
    } else if (node.kind == NodeKind::binary && node.kids.size() == 2 &&
               (node.op == Op::equal || node.op == Op::not_equal || node.op == Op::less ||
                node.op == Op::less_equal || node.op == Op::greater ||
                node.op == Op::greater_equal)) {
      const bool left_attribute = attribute(*node.kids[0]) || counts(*node.kids[0]);
      const Node& attr = *node.kids[left_attribute ? 0 : 1];
      const Node& literal = *node.kids[left_attribute ? 1 : 0];
      if (counts(attr) && finite_number(literal)) {
        // A count of elements (or of distinct keys) is a finite number, never unknown.
        const auto at = std::find(aggregate_nodes_.begin(), aggregate_nodes_.end(), &attr);
        if (at == aggregate_nodes_.end()) return false;
        test.kind = Kind::aggregate;
        test.first = static_cast<std::uint32_t>(at - aggregate_nodes_.begin());
        test.number = literal.number;
        test.op = left_attribute ? node.op : mirrored(node.op);
        out.tests.push_back(test);
        return true;
      }
      if (!attribute(attr)) return false;
      test.attr = attr.attr;
      if (attr.type == Type::string && literal.kind == NodeKind::string &&
          (node.op == Op::equal || node.op == Op::not_equal)) {
        test.kind = Kind::symbol_in;
        test.negated = node.op == Op::not_equal;
        test.first = static_cast<std::uint32_t>(out.symbols.size());
        test.count = 1;
        out.symbols.push_back(symbols_.intern(literal.text));
      } else if (attr.type == Type::number && finite_number(literal)) {
        test.kind = Kind::compare;
        test.number = literal.number;
        test.op = left_attribute ? node.op : mirrored(node.op);
      } else {
        return false;
      }
    } else if (node.kind == NodeKind::in_set && node.kids[0]->kind == NodeKind::string &&
               node.kids[1]->kind == NodeKind::attribute &&
               node.kids[1]->attr == Attr::child_flags) {
      // load(child.flags) is the child's slot, never unknown; a literal is never unknown.
      test.kind = Kind::in_flags;
      test.attr = Attr::child_flags;
      test.first = symbols_.intern(node.kids[0]->text);
      test.negated = node.negated;
    } else if (node.kind == NodeKind::call && node.op == Op::within && node.number == 0 &&
               node.kids.size() == 1 && finite_number(*node.kids[0])) {
      // Only a concern's: a factor without a start date has no age (an unknown).
      test.kind = Kind::within;
      test.attr = Attr::concern_age_days;
      test.number = node.kids[0]->number;
    } else {
      return false;
    }
    out.tests.push_back(test);
    return true;
  }

  // -- type checking

  void type_error(const Node& node, const std::string& message) const {
    fail(node.offset, Status::type, message);
  }

  void require_type(const Node& node, Type type, const char* role) const {
    if (node.type != type) {
      type_error(node, std::string(role) + " must be a " + std::string(to_string(type)) +
                           ", found a " + std::string(to_string(node.type)));
    }
  }

  // `scope` is what the surrounding rule or aggregate ranges over; inside an aggregate the
  // element's attributes become visible and another aggregate may not start.
  void check(Node& node, Scope scope, bool in_aggregate) {
    switch (node.kind) {
      case NodeKind::number:
        node.type = Type::number;
        return;
      case NodeKind::string:
        node.type = Type::string;
        return;
      case NodeKind::boolean:
        node.type = Type::boolean;
        return;
      case NodeKind::attribute: {
        const AttrInfo& info = attr_info(node.attr);
        if (info.scope != Scope::child && info.scope != scope) {
          const char* range = scope == Scope::child     ? "the child"
                              : scope == Scope::concern ? "concerns"
                                                        : "factors";
          type_error(node, "'" + std::string(info.name) +
                               "' is not available here: this expression ranges over " + range);
        }
        node.type = info.type;
        return;
      }
      case NodeKind::unary:
        check(*node.kids[0], scope, in_aggregate);
        if (node.op == Op::negate) {
          require_type(*node.kids[0], Type::number, "the operand of '-'");
          node.type = Type::number;
        } else {
          require_type(*node.kids[0], Type::boolean, "the operand of 'not'");
          node.type = Type::boolean;
        }
        return;
      case NodeKind::binary: {
        check(*node.kids[0], scope, in_aggregate);
        check(*node.kids[1], scope, in_aggregate);
        const Node& left = *node.kids[0];
        const Node& right = *node.kids[1];
        switch (node.op) {
          case Op::add:
          case Op::subtract:
          case Op::multiply:
          case Op::divide:
            require_type(left, Type::number, "an arithmetic operand");
            require_type(right, Type::number, "an arithmetic operand");
            node.type = Type::number;
            return;
          case Op::logical_and:
          case Op::logical_or:
            require_type(left, Type::boolean, "an operand of 'and'/'or'");
            require_type(right, Type::boolean, "an operand of 'and'/'or'");
            node.type = Type::boolean;
            return;
          case Op::equal:
          case Op::not_equal:
            if (left.type == Type::string_set || left.type != right.type) {
              type_error(node, "cannot compare a " + std::string(to_string(left.type)) +
                                   " with a " + std::string(to_string(right.type)));
            }
            node.type = Type::boolean;
            return;
          default:
            require_type(left, Type::number, "an ordered comparison's operand");
            require_type(right, Type::number, "an ordered comparison's operand");
            node.type = Type::boolean;
            return;
        }
      }
      case NodeKind::in_list: {
        check(*node.kids[0], scope, in_aggregate);
        const Type item = node.kids[0]->type;
        if (item != Type::string && item != Type::number) {
          type_error(*node.kids[0], "only strings and numbers can be looked up in a list");
        }
        for (std::size_t i = 1; i < node.kids.size(); ++i) {
          check(*node.kids[i], scope, in_aggregate);
          if (node.kids[i]->type != item) {
            type_error(*node.kids[i],
                       "list item is a " + std::string(to_string(node.kids[i]->type)) +
                           " but the value tested is a " + std::string(to_string(item)));
          }
        }
        node.type = Type::boolean;
        return;
      }
      case NodeKind::in_set:
        check(*node.kids[0], scope, in_aggregate);
        check(*node.kids[1], scope, in_aggregate);
        require_type(*node.kids[0], Type::string, "the value tested with 'in'");
        if (node.kids[1]->type != Type::string_set) {
          type_error(*node.kids[1],
                     "'in' needs a list [...] or a set attribute such as child.flags");
        }
        node.type = Type::boolean;
        return;
      case NodeKind::call: {
        for (auto& kid : node.kids) check(*kid, scope, in_aggregate);
        auto arity = [&](std::size_t n) {
          if (node.kids.size() != n) {
            type_error(node, node.text + " takes " + std::to_string(n) + " argument" +
                                 (n == 1 ? "" : "s"));
          }
          for (auto& kid : node.kids)
            require_type(*kid, Type::number, "an argument of this function");
        };
        if (node.text == "within") {
          arity(1);
          if (scope == Scope::child) {
            type_error(node,
                       "within() needs a concern or factor: use it in a concern or factor rule or "
                       "inside an aggregate");
          }
          node.op = Op::within;
          node.number = scope == Scope::concern ? 0 : 1;
          node.type = Type::boolean;
        } else if (node.text == "min" || node.text == "max") {
          arity(2);
          node.op = node.text == "min" ? Op::minimum : Op::maximum;
          node.type = Type::number;
        } else if (node.text == "abs") {
          arity(1);
          node.op = Op::absolute;
          node.type = Type::number;
        } else if (node.text == "adult_score") {
          // adult_score("index", "path"): both literals, read where the child is known.
          if (in_aggregate) type_error(node, "adult_score cannot be used inside an aggregate");
          if (node.kids.size() != 2 || node.kids[0]->kind != NodeKind::string ||
              node.kids[1]->kind != NodeKind::string) {
            type_error(node,
                       "adult_score takes an adult index id and a path, both in quotes: "
                       "adult_score(\"checklist\", \"carer\")");
          }
          Role role;
          if (!parse_role(node.kids[1]->text, role) || role == Role::self) {
            type_error(*node.kids[1],
                       "adult_score's path must be sibling, carer, household, associate, "
                       "partner or involved, not '" +
                           node.kids[1]->text + "'");
          }
          node.op = Op::adult_score;
          node.number = static_cast<double>(role);
          node.type = Type::number;
        } else if (node.text == "adult_level_at_least") {
          // adult_level_at_least("path", "level"): both literals; the loader checks the level.
          if (in_aggregate)
            type_error(node, "adult_level_at_least cannot be used inside an aggregate");
          if (node.kids.size() != 2 || node.kids[0]->kind != NodeKind::string ||
              node.kids[1]->kind != NodeKind::string) {
            type_error(node,
                       "adult_level_at_least takes a path and a level id, both in quotes: "
                       "adult_level_at_least(\"carer\", \"high\")");
          }
          Role role;
          if (!parse_role(node.kids[0]->text, role) || role == Role::self) {
            type_error(*node.kids[0],
                       "adult_level_at_least's path must be sibling, carer, household, "
                       "associate, partner or involved, not '" +
                           node.kids[0]->text + "'");
          }
          node.op = Op::adult_level_at_least;
          node.number = static_cast<double>(role);
          node.type = Type::boolean;
        } else {
          type_error(node, "unknown function '" + node.text + "'");
        }
        return;
      }
      case NodeKind::aggregate: {
        if (in_aggregate) type_error(node, "aggregates cannot be nested");
        const Scope element =
            node.collection == Collection::factors ? Scope::factor : Scope::concern;
        if (node.value) {
          check(*node.value, element, true);
          require_type(*node.value, Type::number, "the value summed or maximised");
        }
        if (node.filter) {
          check(*node.filter, element, true);
          require_type(*node.filter, Type::boolean, "the 'where' filter");
        }
        if (node.aggregate == AggregateKind::distinct_agencies &&
            node.collection == Collection::factors) {
          type_error(node,
                     "distinct_agencies counts the agencies that raised concerns; use a concern "
                     "collection");
        }
        if (node.aggregate == AggregateKind::distinct_categories &&
            node.collection == Collection::factors) {
          type_error(node,
                     "distinct_categories counts the categories of concerns; use a concern "
                     "collection");
        }
        node.type = Type::number;
        return;
      }
    }
  }

  // -- emitting

  void push(Program& program, Instr instr, int& depth, int delta) {
    program.code.push_back(instr);
    depth += delta;
    if (depth > program.max_stack) program.max_stack = depth;
    if (program.max_stack > limits_.max_stack) {
      fail(0, Status::limit,
           "expression needs more than " + std::to_string(limits_.max_stack) + " stack slots");
    }
  }

  void note_attribute(Attr attr) {
    for (Attr seen : compiled_->attributes) {
      if (seen == attr) return;
    }
    compiled_->attributes.push_back(attr);
  }

  std::int32_t emit_subprogram(const Node& node) {
    Program sub;
    int depth = 0;
    emit(node, sub, depth);
    compiled_->subprograms.push_back(std::move(sub));
    return static_cast<std::int32_t>(compiled_->subprograms.size() - 1);
  }

  void emit(const Node& node, Program& program, int& depth) {
    switch (node.kind) {
      case NodeKind::number:
        return push(program, Instr{Op::push_number, 0, 0, 0, node.number}, depth, 1);
      case NodeKind::string:
        return push(program, Instr{Op::push_string, 0, symbols_.intern(node.text), 0, 0}, depth, 1);
      case NodeKind::boolean:
        return push(program, Instr{Op::push_bool, 0, 0, 0, node.number}, depth, 1);
      case NodeKind::attribute:
        note_attribute(node.attr);
        return push(program, Instr{Op::load, 0, static_cast<std::uint32_t>(node.attr), 0, 0}, depth,
                    1);
      case NodeKind::unary:
        emit(*node.kids[0], program, depth);
        return push(program, Instr{node.op, 0, 0, 0, 0}, depth, 0);
      case NodeKind::binary: {
        emit(*node.kids[0], program, depth);
        const bool logical = node.op == Op::logical_and || node.op == Op::logical_or;
        const std::size_t jump = program.code.size();
        if (logical) {
          push(program,
               Instr{Op::short_circuit, static_cast<std::uint8_t>(node.op == Op::logical_or), 0, 0,
                     0},
               depth, 0);
        }
        emit(*node.kids[1], program, depth);
        push(program, Instr{node.op, static_cast<std::uint8_t>(node.kids[0]->type), 0, 0, 0}, depth,
             -1);
        if (logical) program.code[jump].a = static_cast<std::uint32_t>(program.code.size());
        return;
      }
      case NodeKind::in_list: {
        emit(*node.kids[0], program, depth);
        const bool strings = node.kids[0]->type == Type::string;
        const auto offset = static_cast<std::uint32_t>(strings ? compiled_->string_pool.size()
                                                               : compiled_->number_pool.size());
        for (std::size_t i = 1; i < node.kids.size(); ++i) {
          if (strings) {
            compiled_->string_pool.push_back(symbols_.intern(node.kids[i]->text));
          } else {
            compiled_->number_pool.push_back(node.kids[i]->number);
          }
        }
        push(program,
             Instr{Op::in_list, static_cast<std::uint8_t>(node.kids[0]->type), offset,
                   static_cast<std::uint32_t>(node.kids.size() - 1), 0},
             depth, 0);
        if (node.negated) push(program, Instr{Op::logical_not, 0, 0, 0, 0}, depth, 0);
        return;
      }
      case NodeKind::in_set:
        emit(*node.kids[0], program, depth);
        emit(*node.kids[1], program, depth);
        push(program, Instr{Op::in_set, 0, 0, 0, 0}, depth, -1);
        if (node.negated) push(program, Instr{Op::logical_not, 0, 0, 0, 0}, depth, 0);
        return;
      case NodeKind::call: {
        if (node.op == Op::adult_score) {
          const std::uint32_t index = symbols_.intern(node.kids[0]->text);
          auto& read = compiled_->adult_indices;
          if (std::find(read.begin(), read.end(), index) == read.end()) read.push_back(index);
          return push(program,
                      Instr{Op::adult_score, static_cast<std::uint8_t>(node.number), index, 0, 0},
                      depth, 1);
        }
        if (node.op == Op::adult_level_at_least) {
          const std::uint32_t level = symbols_.intern(node.kids[1]->text);
          auto& read = compiled_->adult_levels;
          if (std::find(read.begin(), read.end(), level) == read.end()) read.push_back(level);
          return push(
              program,
              Instr{Op::adult_level_at_least, static_cast<std::uint8_t>(node.number), level, 0, 0},
              depth, 1);
        }
        for (const auto& kid : node.kids) emit(*kid, program, depth);
        // within() reads the element's age: flag 0 for a concern, 1 for a factor.
        const auto flag = static_cast<std::uint8_t>(node.op == Op::within ? node.number : 0);
        if (node.op == Op::within) {
          note_attribute(flag == 0 ? Attr::concern_age_days : Attr::factor_age_days);
        }
        return push(program, Instr{node.op, flag, 0, 0, 0}, depth,
                    1 - static_cast<int>(node.kids.size()));
      }
      case NodeKind::aggregate: {
        Aggregate aggregate{node.aggregate, node.collection, -1, -1, {}, false, {}};
        if (node.filter) {
          aggregate.filter = emit_subprogram(*node.filter);
          find_guard(*node.filter, aggregate.filter_guard);
          compile_tests(*node.filter, aggregate.filter_tests);
        }
        if (node.value) aggregate.value = emit_subprogram(*node.value);
        if (aggregate.filter >= 0)
          aggregate.reads_status =
              loads(compiled_->subprograms[static_cast<std::size_t>(aggregate.filter)],
                    Attr::concern_status);
        compiled_->aggregates.push_back(aggregate);
        aggregate_nodes_.push_back(&node);
        return push(program,
                    Instr{Op::aggregate, static_cast<std::uint8_t>(node.aggregate),
                          static_cast<std::uint32_t>(compiled_->aggregates.size() - 1), 0, 0},
                    depth, 1);
      }
    }
  }

  static bool loads(const Program& program, Attr attr) {
    for (const Instr& in : program.code) {
      if (in.op == Op::load && in.a == static_cast<std::uint32_t>(attr)) return true;
    }
    return false;
  }

  std::string_view text_;
  Scope scope_;
  SymbolTable& symbols_;
  Location origin_;
  CompileLimits limits_;
  std::size_t pos_ = 0;
  Token token_;
  Compiled* compiled_ = nullptr;
  std::vector<const Node*> aggregate_nodes_;  // in the order of compiled_->aggregates
};

// ---- Interpreter ---------------------------------------------------------------------------

constexpr int kStackCapacity = 64;

inline Value unknown() { return Value{0, 0, false}; }
// A result that overflowed (1e308 * 10, a sum past the largest double) or is not a number
// (inf - inf) is unknown, as x / 0 is: no infinite or NaN value ever leaves a program, so
// scores stay finite and comparisons mean what they say (docs/rules.md, "Missing data").
inline Value number(double n) { return std::isfinite(n) ? Value{n, 0, true} : Value{0, 0, false}; }
inline Value boolean(bool b) { return Value{b ? 1.0 : 0.0, 0, true}; }

Value load(Attr attr, EvalContext& ctx) {
  const Snapshot& snap = *ctx.snapshot;
  Value out;
  switch (attr) {
    case Attr::child_age:
      out = ctx.child_age_years < 0 ? unknown() : number(ctx.child_age_years);
      break;
    case Attr::child_age_months:
      out = ctx.child_age_months < 0 ? unknown() : number(ctx.child_age_months);
      break;
    case Attr::child_flags:
      out = number(ctx.child);  // the set is read by in_set through the child slot
      break;
    case Attr::concern_category:
      out = Value{0, ctx.symbol_map[snap.concern_category[ctx.concern]], true};
      break;
    case Attr::concern_severity:
      out = number(snap.concern_severity[ctx.concern]);
      break;
    case Attr::concern_status:
      out = Value{
          0,
          SymbolTable::kFirstStatus + static_cast<std::uint32_t>(snap.concern_status[ctx.concern]),
          true};
      break;
    case Attr::concern_restricted:
      out = boolean(snap.concern_restricted[ctx.concern] != 0);
      break;
    case Attr::concern_source_type:
      out = Value{0, ctx.symbol_map[snap.agency_type[snap.concern_source[ctx.concern]]], true};
      break;
    case Attr::concern_age_days:
      out = number(ctx.as_of - snap.concern_date(ctx.concern));
      break;
    case Attr::concern_path:
    case Attr::factor_path:
      out = Value{0, SymbolTable::kFirstRole + static_cast<std::uint32_t>(ctx.path), true};
      break;
    case Attr::factor_kind:
      out = Value{0, ctx.symbol_map[snap.factor_kind[ctx.factor]], true};
      break;
    case Attr::factor_strength:
      out = number(snap.factor_strength[ctx.factor]);
      break;
    case Attr::factor_active: {
      const Day end = snap.factor_end[ctx.factor];
      out = boolean(factor_visible(snap, ctx.factor, ctx.as_of) &&
                    (end == kNoDay || end >= ctx.as_of));
      break;
    }
    case Attr::factor_age_days: {
      const Day start = snap.factor_start[ctx.factor];
      out = start == kNoDay ? unknown() : number(ctx.as_of - start);
      break;
    }
    case Attr::timeline_overdue:
      out = ctx.timeline ? number(ctx.timeline->overdue) : unknown();
      break;
    case Attr::timeline_late:
      out = ctx.timeline ? number(ctx.timeline->late) : unknown();
      break;
    case Attr::timeline_due:
      out = ctx.timeline ? number(ctx.timeline->due) : unknown();
      break;
    case Attr::timeline_max_overdue_days:
      out = ctx.timeline ? number(ctx.timeline->max_overdue_days) : unknown();
      break;
    case Attr::timeline_review_overdue:
      out = ctx.timeline ? boolean(ctx.timeline->review_overdue) : unknown();
      break;
    case Attr::timeline_on_plan:
      out = ctx.timeline ? boolean(ctx.timeline->on_plan) : unknown();
      break;
    case Attr::timeline_not_required:
      out = ctx.timeline ? number(ctx.timeline->not_required) : unknown();
      break;
    case Attr::timeline_missed:
      out = ctx.timeline ? number(ctx.timeline->missed) : unknown();
      break;
    case Attr::timeline_not_recorded:
      out = ctx.timeline ? number(ctx.timeline->not_recorded) : unknown();
      break;
    case Attr::timeline_looked_after:
      out = ctx.timeline ? boolean(ctx.timeline->looked_after) : unknown();
      break;
    case Attr::timeline_re_referral:
      out = ctx.timeline ? boolean(ctx.timeline->re_referral_12_months) : unknown();
      break;
    case Attr::timeline_plans:
      out = ctx.timeline ? number(ctx.timeline->plans) : unknown();
      break;
    case Attr::timeline_subsequent_plan:
      // Children in Need census: a plan that is the child's second or later.
      out = ctx.timeline ? boolean(ctx.timeline->on_plan && ctx.timeline->plans >= 2) : unknown();
      break;
    case Attr::timeline_days_since_review:
      // Unknown until a review has been held: no review is not the same as a recent one.
      out = ctx.timeline && ctx.timeline->days_since_last_review >= 0
                ? number(ctx.timeline->days_since_last_review)
                : unknown();
      break;
  }
  if (!out.known && ctx.missing < 0) ctx.missing = static_cast<int>(attr);
  return out;
}

Value run_aggregate(const Compiled& compiled, const Aggregate& aggregate, EvalContext& ctx);
bool in_flags(const Snapshot& snap, const std::uint32_t* symbol_map, std::uint32_t child,
              std::uint32_t symbol);

// `n <op> literal`, as the comparison instructions compare two known numbers.
bool compare_number(double n, Op op, double literal) {
  switch (op) {
    case Op::equal:
      return n == literal;
    case Op::not_equal:
      return n != literal;
    case Op::less:
      return n < literal;
    case Op::less_equal:
      return n <= literal;
    case Op::greater:
      return n > literal;
    default:
      return n >= literal;
  }
}

// One test of a Conjunction, as the interpreter would find it: the attribute read by load(),
// compared as the instructions compare (strings by symbol, numbers as doubles).
bool passes(const Conjunction& tests, const EvidenceTest& test, EvalContext& ctx) {
  const Value v = load(test.attr, ctx);
  switch (test.kind) {
    case EvidenceTest::Kind::symbol_in: {
      bool found = false;
      for (std::uint32_t i = 0; i < test.count && !found; ++i)
        found = tests.symbols[test.first + i] == v.symbol;
      return found != test.negated;
    }
    case EvidenceTest::Kind::number_in: {
      bool found = false;
      for (std::uint32_t i = 0; i < test.count && !found; ++i)
        found = tests.numbers[test.first + i] == v.number;
      return found != test.negated;
    }
    case EvidenceTest::Kind::compare:
      return compare_number(v.number, test.op, test.number);
    case EvidenceTest::Kind::within:
      return v.number >= 0 && v.number <= test.number;
    case EvidenceTest::Kind::flag:
      return (v.number != 0) != test.negated;
    case EvidenceTest::Kind::in_flags:
      return in_flags(*ctx.snapshot, ctx.symbol_map, static_cast<std::uint32_t>(v.number),
                      test.first) != test.negated;
    case EvidenceTest::Kind::aggregate:
      break;  // passes_all reads it
  }
  return false;
}

bool passes_all(const Compiled& compiled, const Conjunction& tests, EvalContext& ctx) {
  for (const EvidenceTest& test : tests.tests) {
    if (test.kind != EvidenceTest::Kind::aggregate) {
      if (!passes(tests, test, ctx)) return false;
      continue;
    }
    const double n = run_aggregate(compiled, compiled.aggregates[test.first], ctx).number;
    if (!compare_number(n, test.op, test.number)) return false;
  }
  return true;
}

Value run(const Compiled& compiled, const Program& program, EvalContext& ctx);

Value run_aggregate(const Compiled& compiled, const Aggregate& aggregate, EvalContext& ctx) {
  const Snapshot& snap = *ctx.snapshot;
  // Elements whose filter is false or unknown are left out; unknown values are skipped.
  double count = 0, sum = 0, max = 0, nearest = -1;
  bool seen_value = false;
  // Distinct agencies or categories: a handful per child in practice, so a fixed array keeps
  // the common case off the heap; a child with more than 64 distinct keys spills into a vector.
  constexpr int kDistinctSlots = 64;
  std::uint32_t distinct[kDistinctSlots];
  int distinct_count = 0;
  std::vector<std::uint32_t> spilled;

  const std::uint32_t saved_concern = ctx.concern, saved_factor = ctx.factor;
  const Role saved_path = ctx.path;
  const int saved_missing = ctx.missing;
  const Guard& guard = aggregate.filter_guard;
  auto consider = [&](Day evidence_date) {
    if (guard.active) {
      const Symbol symbol = guard.attr == Attr::concern_category
                                ? snap.concern_category[ctx.concern]
                                : snap.factor_kind[ctx.factor];
      const std::uint32_t mapped = ctx.symbol_map[symbol];
      bool listed = false;
      for (std::uint32_t s : guard.symbols) listed = listed || s == mapped;
      if (!listed) return;
    }
    if (aggregate.collection != Collection::factors && !aggregate.reads_status &&
        snap.concern_status[ctx.concern] == ConcernStatus::unsubstantiated)
      return;  // unsubstantiated concerns count only where the filter says so
    if (aggregate.filter_tests.active && !ctx.interpret_only) {
      if (!passes_all(compiled, aggregate.filter_tests, ctx)) return;
    } else if (aggregate.filter >= 0) {
      Value keep = run(compiled, compiled.subprograms[aggregate.filter], ctx);
      if (!keep.known || keep.number == 0) return;
    }
    count += 1;
    if (aggregate.value >= 0) {
      Value v = run(compiled, compiled.subprograms[aggregate.value], ctx);
      if (v.known) {
        sum += v.number;
        max = seen_value ? std::max(max, v.number) : v.number;
        seen_value = true;
      }
    }
    // Evidence without a date (a factor with no start) has no age; subtracting kNoDay would
    // overflow.
    if (evidence_date != kNoDay) {
      const double age = static_cast<double>(ctx.as_of) - evidence_date;
      if (nearest < 0 || age < nearest) nearest = age;
    }
    if (aggregate.kind == AggregateKind::distinct_agencies ||
        aggregate.kind == AggregateKind::distinct_categories) {
      // Categories are compared as snapshot symbols: one symbol per distinct string.
      const std::uint32_t key = aggregate.kind == AggregateKind::distinct_agencies
                                    ? snap.concern_source[ctx.concern]
                                    : snap.concern_category[ctx.concern];
      bool found = false;
      for (int i = 0; i < distinct_count; ++i) found = found || distinct[i] == key;
      for (std::uint32_t other : spilled) found = found || other == key;
      if (!found) {
        if (distinct_count < kDistinctSlots) {
          distinct[distinct_count++] = key;
        } else {
          spilled.push_back(key);
        }
      }
    }
  };
  switch (aggregate.collection) {
    case Collection::concerns:
      for (const std::uint32_t* c = snap.person_concerns.begin(ctx.child);
           c != snap.person_concerns.end(ctx.child); ++c) {
        if (!concern_visible(snap, *c, ctx.as_of)) continue;
        if (ctx.mask && !ctx.mask->concern_counts(*c)) continue;
        ctx.concern = *c;
        ctx.path = Role::self;
        consider(snap.concern_date(*c));
      }
      break;
    case Collection::family_concerns: {
      constexpr RoleMask kFamily = ~role_bit(Role::associate) & 0x7F;
      auto visit = [&](std::uint32_t c, RoleMask roles) {
        if (!(roles & kFamily)) return;
        ctx.concern = c;
        ctx.path = first_role(roles & kFamily);
        consider(snap.concern_date(c));
      };
      if (ctx.circle_concerns != nullptr) {
        // The list the scorer gathered already leaves out what its own filter does; the mask
        // may be narrower (the record without restricted concerns), so it is applied too.
        for (std::size_t i = 0; i < ctx.circle_concern_count; ++i) {
          const std::uint32_t c = ctx.circle_concerns[i].concern;
          if (ctx.mask && !ctx.mask->concern_counts(c)) continue;
          visit(c, ctx.circle_concerns[i].roles);
        }
      } else {
        for_each_circle_concern(snap, ctx.child, [&](std::uint32_t c, RoleMask roles) {
          if (concern_visible(snap, c, ctx.as_of) && (!ctx.mask || ctx.mask->concern_counts(c)))
            visit(c, roles);
        });
      }
      break;
    }
    case Collection::factors:
      for (const std::uint32_t* f = snap.person_factors.begin(ctx.child);
           f != snap.person_factors.end(ctx.child); ++f) {
        if (!factor_visible(snap, *f, ctx.as_of)) continue;
        if (ctx.mask && !ctx.mask->factor_counts(*f)) continue;
        ctx.factor = *f;
        ctx.path = Role::self;
        consider(snap.factor_start[*f]);
      }
      break;
  }
  ctx.concern = saved_concern;
  ctx.factor = saved_factor;
  ctx.path = saved_path;
  // Missing attributes inside a filter only drop that element; they do not make the rule
  // "not assessable", so the note is discarded.
  ctx.missing = saved_missing;
  switch (aggregate.kind) {
    case AggregateKind::count:
      return number(count);
    case AggregateKind::sum:
      return number(sum);
    case AggregateKind::max:
      return number(max);
    case AggregateKind::distinct_agencies:
    case AggregateKind::distinct_categories:
      return number(distinct_count + static_cast<double>(spilled.size()));
    case AggregateKind::days_since_last:
      return nearest < 0 ? unknown() : number(nearest);
  }
  return unknown();
}

bool in_flags(const Snapshot& snap, const std::uint32_t* symbol_map, std::uint32_t child,
              std::uint32_t symbol) {
  for (const Symbol* f = snap.person_flags.begin(child); f != snap.person_flags.end(child); ++f) {
    if (symbol_map[*f] == symbol) return true;
  }
  return false;
}

Value run(const Compiled& compiled, const Program& program, EvalContext& ctx) {
  // Raw storage: a Value array would initialise all 64 slots on every call, which costs more
  // than running a typical rule. Slots are written (placement new) before they are read.
  alignas(Value) unsigned char storage[sizeof(Value) * kStackCapacity];
  Value* const stack = reinterpret_cast<Value*>(storage);
  int top = 0;
  auto push = [&](const Value& value) { ::new (static_cast<void*>(stack + top++)) Value(value); };
  const Instr* const code = program.code.data();
  const std::size_t size = program.code.size();
  for (std::size_t pc = 0; pc < size; ++pc) {
    const Instr& in = code[pc];
    switch (in.op) {
      case Op::short_circuit: {
        Value& left = stack[top - 1];
        const bool dominant = in.flag != 0;
        if (left.known && (left.number != 0) == dominant) {
          left = boolean(dominant);
          pc = in.a - 1;  // the loop's ++pc lands on instruction a
        }
        break;
      }
      case Op::push_number:
        push(number(in.number));
        break;
      case Op::push_string:
        push(Value{0, in.a, true});
        break;
      case Op::push_bool:
        push(boolean(in.number != 0));
        break;
      case Op::load:
        push(load(static_cast<Attr>(in.a), ctx));
        break;
      case Op::negate:
        stack[top - 1].number = -stack[top - 1].number;
        break;
      case Op::logical_not:
        stack[top - 1].number = stack[top - 1].number == 0 ? 1 : 0;
        break;
      case Op::absolute:
        stack[top - 1].number = std::fabs(stack[top - 1].number);
        break;
      case Op::logical_and:
      case Op::logical_or: {
        const Value right = stack[--top];
        Value& left = stack[top - 1];
        // Kleene logic: false and x is false, true or x is true, whatever x is.
        const bool dominant = in.op == Op::logical_and ? false : true;
        const bool left_dominates = left.known && (left.number != 0) == dominant;
        const bool right_dominates = right.known && (right.number != 0) == dominant;
        if (left_dominates || right_dominates) {
          left = boolean(dominant);
        } else if (!left.known || !right.known) {
          left = unknown();
        } else {
          left = boolean(!dominant);
        }
        break;
      }
      case Op::add:
      case Op::subtract:
      case Op::multiply:
      case Op::divide:
      case Op::minimum:
      case Op::maximum:
      case Op::equal:
      case Op::not_equal:
      case Op::less:
      case Op::less_equal:
      case Op::greater:
      case Op::greater_equal: {
        const Value right = stack[--top];
        Value& left = stack[top - 1];
        if (!left.known || !right.known) {
          left = unknown();
          break;
        }
        const bool strings = static_cast<Type>(in.flag) == Type::string &&
                             (in.op == Op::equal || in.op == Op::not_equal);
        const double l = left.number, r = right.number;
        switch (in.op) {
          case Op::add:
            left = number(l + r);
            break;
          case Op::subtract:
            left = number(l - r);
            break;
          case Op::multiply:
            left = number(l * r);
            break;
          case Op::divide:
            left = r == 0 ? unknown() : number(l / r);
            break;
          case Op::minimum:
            left = number(std::min(l, r));
            break;
          case Op::maximum:
            left = number(std::max(l, r));
            break;
          case Op::equal:
            left = boolean(strings ? left.symbol == right.symbol : l == r);
            break;
          case Op::not_equal:
            left = boolean(strings ? left.symbol != right.symbol : l != r);
            break;
          case Op::less:
            left = boolean(l < r);
            break;
          case Op::less_equal:
            left = boolean(l <= r);
            break;
          case Op::greater:
            left = boolean(l > r);
            break;
          default:
            left = boolean(l >= r);
            break;
        }
        break;
      }
      case Op::in_list: {
        Value& v = stack[top - 1];
        if (!v.known) break;
        bool found = false;
        if (static_cast<Type>(in.flag) == Type::string) {
          for (std::uint32_t i = 0; i < in.b && !found; ++i)
            found = compiled.string_pool[in.a + i] == v.symbol;
        } else {
          for (std::uint32_t i = 0; i < in.b && !found; ++i)
            found = compiled.number_pool[in.a + i] == v.number;
        }
        v = boolean(found);
        break;
      }
      case Op::in_set: {
        const Value set = stack[--top];
        Value& v = stack[top - 1];
        if (!v.known || !set.known) {
          v = unknown();
          break;
        }
        v = boolean(in_flags(*ctx.snapshot, ctx.symbol_map, static_cast<std::uint32_t>(set.number),
                             v.symbol));
        break;
      }
      case Op::within: {
        Value& v = stack[top - 1];
        if (!v.known) break;
        const Value age = load(in.flag == 0 ? Attr::concern_age_days : Attr::factor_age_days, ctx);
        v = age.known ? boolean(age.number >= 0 && age.number <= v.number) : unknown();
        break;
      }
      case Op::aggregate:
        push(run_aggregate(compiled, compiled.aggregates[in.a], ctx));
        break;
      case Op::adult_score:
        push(ctx.adults ? number(ctx.adults->adult_score(ctx.child, in.a,
                                                         static_cast<Role>(in.flag), ctx.mask))
                        : number(0));
        break;
      case Op::adult_level_at_least:
        push(boolean(ctx.adults != nullptr &&
                     ctx.adults->adult_level_at_least(ctx.child, in.a, static_cast<Role>(in.flag),
                                                      ctx.mask)));
        break;
    }
  }
  return top > 0 ? stack[top - 1] : unknown();
}

}  // namespace

std::string_view to_string(Type type) noexcept { return detail::enum_name(kTypeNames, type); }

const AttrInfo& attr_info(Attr attr) noexcept {
  return kAttributes[static_cast<std::size_t>(attr)];
}

SymbolTable::SymbolTable() {
  // The interner holds "" as symbol 0; then the fixed vocabulary.
  for (auto name : detail::kConcernStatusNames) intern(name);
  for (int r = 0; r < kRoleCount; ++r) intern(to_string(static_cast<Role>(r)));
}

Compiled compile(std::string_view text, Scope scope, Type expected, SymbolTable& symbols,
                 const Location& origin, const CompileLimits& limits) {
  Compiled out = Compiler(text, scope, symbols, origin, limits).run(expected);
  if (out.constant) {
    // Its value is the same everywhere: worked out once, by the interpreter, which reads
    // nothing from the context for a program without attributes or aggregates.
    EvalContext nowhere;
    const Value value = run(out, out.main, nowhere);
    out.folded = true;
    out.folded_number = value.number;
    out.folded_symbol = value.symbol;
    out.folded_known = value.known;
  }
  return out;
}

Value evaluate(const Compiled& compiled, EvalContext& context) {
  if (!context.interpret_only) {
    if (compiled.folded)
      return Value{compiled.folded_number, compiled.folded_symbol, compiled.folded_known};
    if (compiled.tests.active) return boolean(passes_all(compiled, compiled.tests, context));
  }
  return run(compiled, compiled.main, context);
}

Expression::Expression(Compiled compiled)
    : compiled_(std::make_shared<const Compiled>(std::move(compiled))) {}

const std::string& Expression::source() const noexcept {
  static const std::string kNone;
  return compiled_ ? compiled_->source : kNone;
}
Type Expression::type() const noexcept { return compiled_ ? compiled_->type : Type::boolean; }
bool Expression::constant() const noexcept { return compiled_ && compiled_->constant; }
bool Expression::reads_status() const noexcept { return compiled_ && compiled_->reads_status; }
const std::vector<Attr>& Expression::attributes() const noexcept {
  static const std::vector<Attr> kNone;
  return compiled_ ? compiled_->attributes : kNone;
}

void for_each_counted_element(const Compiled& compiled, EvalContext& ctx,
                              const std::function<void(Collection, std::uint32_t)>& counted) {
  const Snapshot& snap = *ctx.snapshot;
  const std::uint32_t saved_concern = ctx.concern, saved_factor = ctx.factor;
  const Role saved_path = ctx.path;
  const int saved_missing = ctx.missing;
  for (const Aggregate& aggregate : compiled.aggregates) {
    // The same admission as run_aggregate's `consider`, without the arithmetic.
    auto admits = [&] {
      const Guard& guard = aggregate.filter_guard;
      if (guard.active) {
        const Symbol symbol = guard.attr == Attr::concern_category
                                  ? snap.concern_category[ctx.concern]
                                  : snap.factor_kind[ctx.factor];
        const std::uint32_t mapped = ctx.symbol_map[symbol];
        bool listed = false;
        for (std::uint32_t s : guard.symbols) listed = listed || s == mapped;
        if (!listed) return false;
      }
      if (aggregate.collection != Collection::factors && !aggregate.reads_status &&
          snap.concern_status[ctx.concern] == ConcernStatus::unsubstantiated)
        return false;
      if (aggregate.filter >= 0) {
        const Value keep = run(compiled, compiled.subprograms[aggregate.filter], ctx);
        if (!keep.known || keep.number == 0) return false;
      }
      return true;
    };
    switch (aggregate.collection) {
      case Collection::concerns:
        for (const std::uint32_t* c = snap.person_concerns.begin(ctx.child);
             c != snap.person_concerns.end(ctx.child); ++c) {
          if (!concern_visible(snap, *c, ctx.as_of)) continue;
          if (ctx.mask && !ctx.mask->concern_counts(*c)) continue;
          ctx.concern = *c;
          ctx.path = Role::self;
          if (admits()) counted(aggregate.collection, *c);
        }
        break;
      case Collection::family_concerns: {
        constexpr RoleMask kFamily = ~role_bit(Role::associate) & 0x7F;
        for_each_circle_concern(snap, ctx.child, [&](std::uint32_t c, RoleMask roles) {
          if (!concern_visible(snap, c, ctx.as_of) || (ctx.mask && !ctx.mask->concern_counts(c)))
            return;
          if (!(roles & kFamily)) return;
          ctx.concern = c;
          ctx.path = first_role(roles & kFamily);
          if (admits()) counted(aggregate.collection, c);
        });
        break;
      }
      case Collection::factors:
        for (const std::uint32_t* f = snap.person_factors.begin(ctx.child);
             f != snap.person_factors.end(ctx.child); ++f) {
          if (!factor_visible(snap, *f, ctx.as_of)) continue;
          if (ctx.mask && !ctx.mask->factor_counts(*f)) continue;
          ctx.factor = *f;
          ctx.path = Role::self;
          if (admits()) counted(aggregate.collection, *f);
        }
        break;
    }
  }
  ctx.concern = saved_concern;
  ctx.factor = saved_factor;
  ctx.path = saved_path;
  ctx.missing = saved_missing;
}

}  // namespace safeguard::expr
