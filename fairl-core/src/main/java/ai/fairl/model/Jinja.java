package ai.fairl.model;

import ai.fairl.model.ChatTemplate.TemplateException;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Jinja2 subset interpreter behind {@link ChatTemplate}; see its javadoc for the scope. */
final class Jinja {
  private Jinja() {}

  /** Jinja's undefined value: empty when printed, false when tested. */
  static final Object UNDEFINED =
      new Object() {
        @Override
        public String toString() {
          return "";
        }
      };

  /** {@code namespace(...)} objects: attributes are assignable from inner scopes. */
  static final class Namespace extends LinkedHashMap<String, Object> {}

  // ====================================================================== preprocessing + lexing

  /** Whitespace control as transformers configures Jinja2 (trim_blocks, lstrip_blocks). */
  static String preprocess(String t) {
    if (t.endsWith("\n")) {
      t = t.substring(0, t.length() - 1);
    }
    t = Pattern.compile("(?m)^[ \\t]*(\\{[#%-])").matcher(t).replaceAll("$1");
    t = t.replaceAll("([#%-]\\})\\n", "$1");
    return t;
  }

  record Tok(int kind, String text, int line) {} // kind: 0 text, 1 {{ }}, 2 {% %}

  static List<Tok> lex(String src) {
    String t = preprocess(src);
    List<Tok> out = new ArrayList<>();
    int i = 0;
    int line = 1;
    StringBuilder text = new StringBuilder();
    boolean stripNext = false;
    while (i < t.length()) {
      int open = nextOpen(t, i);
      if (open < 0) {
        text.append(t, i, t.length());
        break;
      }
      text.append(t, i, open);
      char kind = t.charAt(open + 1);
      boolean stripBefore = open + 2 < t.length() && t.charAt(open + 2) == '-';
      String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
      int end = findClose(t, open + 2, close, kind != '#');
      if (end < 0) {
        throw new TemplateException(
            "line " + (line + count(t, 0, open)) + ": unclosed '{" + kind + "'");
      }
      boolean stripAfter = t.charAt(end - 1) == '-' && end - 1 >= open + 2 + (stripBefore ? 1 : 0);
      String inner = t.substring(open + 2 + (stripBefore ? 1 : 0), stripAfter ? end - 1 : end);
      String pending = text.toString();
      if (stripNext) {
        pending = pending.stripLeading();
      }
      if (stripBefore) {
        pending = pending.stripTrailing();
      }
      if (!pending.isEmpty()) {
        out.add(new Tok(0, pending, line));
      }
      line += count(t, i, open);
      text.setLength(0);
      if (kind == '{') {
        out.add(new Tok(1, inner, line));
      } else if (kind == '%') {
        out.add(new Tok(2, inner.trim(), line));
      }
      line += count(t, open, end + 2);
      stripNext = stripAfter;
      i = end + 2;
    }
    String pending = text.toString();
    if (stripNext) {
      pending = pending.stripLeading();
    }
    if (!pending.isEmpty()) {
      out.add(new Tok(0, pending, line));
    }
    return out;
  }

  private static int count(String t, int from, int to) {
    int n = 0;
    for (int k = from; k < to && k < t.length(); k++) {
      if (t.charAt(k) == '\n') {
        n++;
      }
    }
    return n;
  }

  private static int nextOpen(String t, int from) {
    for (int k = from; k < t.length() - 1; k++) {
      if (t.charAt(k) == '{') {
        char c = t.charAt(k + 1);
        if (c == '{' || c == '%' || c == '#') {
          return k;
        }
      }
    }
    return -1;
  }

  /** Finds the closing delimiter, skipping string literals inside expressions. */
  private static int findClose(String t, int from, String close, boolean code) {
    char quote = 0;
    for (int k = from; k < t.length() - 1; k++) {
      char c = t.charAt(k);
      if (code && quote != 0) {
        if (c == '\\') {
          k++;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (code && (c == '\'' || c == '"')) {
        quote = c;
        continue;
      }
      if (t.startsWith(close, k)) {
        return k;
      }
    }
    return -1;
  }

  // ====================================================================== expression tokens

  record ET(
      char type, String s, Object value) {} // type: n name, s string, d number, o operator, e end

  static List<ET> tokenize(String src, int line) {
    List<ET> out = new ArrayList<>();
    int i = 0;
    while (i < src.length()) {
      char c = src.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (Character.isLetter(c) || c == '_') {
        int j = i;
        while (j < src.length()
            && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
          j++;
        }
        out.add(new ET('n', src.substring(i, j), null));
        i = j;
      } else if (Character.isDigit(c)) {
        int j = i;
        boolean dot = false;
        while (j < src.length()
            && (Character.isDigit(src.charAt(j))
                || (src.charAt(j) == '.'
                    && !dot
                    && j + 1 < src.length()
                    && Character.isDigit(src.charAt(j + 1))))) {
          dot |= src.charAt(j) == '.';
          j++;
        }
        String num = src.substring(i, j);
        out.add(
            new ET(
                'd', num, dot ? (Object) Double.parseDouble(num) : (Object) Long.parseLong(num)));
        i = j;
      } else if (c == '\'' || c == '"') {
        StringBuilder sb = new StringBuilder();
        int j = i + 1;
        while (j < src.length() && src.charAt(j) != c) {
          char d = src.charAt(j);
          if (d == '\\' && j + 1 < src.length()) {
            char e = src.charAt(++j);
            switch (e) {
              case 'n' -> sb.append('\n');
              case 't' -> sb.append('\t');
              case 'r' -> sb.append('\r');
              case '\\' -> sb.append('\\');
              case '\'' -> sb.append('\'');
              case '"' -> sb.append('"');
              case 'u' -> {
                sb.append((char) Integer.parseInt(src.substring(j + 1, j + 5), 16));
                j += 4;
              }
              default -> sb.append('\\').append(e);
            }
          } else {
            sb.append(d);
          }
          j++;
        }
        if (j >= src.length()) {
          throw new TemplateException("line " + line + ": unterminated string in '" + src + "'");
        }
        out.add(new ET('s', null, sb.toString()));
        i = j + 1;
      } else {
        String[] ops = {
          "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[",
          "]", "{", "}", ".", ",", ":", "|", "="
        };
        String found = null;
        for (String op : ops) {
          if (src.startsWith(op, i)) {
            found = op;
            break;
          }
        }
        if (found == null) {
          throw new TemplateException(
              "line " + line + ": unexpected character '" + c + "' in '" + src + "'");
        }
        out.add(new ET('o', found, null));
        i += found.length();
      }
    }
    out.add(new ET('e', "", null));
    return out;
  }

  // ====================================================================== AST

  interface Expr {
    Object eval(Scope s);
  }

  interface Node {
    void render(Scope s, StringBuilder out);
  }

  static final class BreakSignal extends RuntimeException {
    BreakSignal() {
      super(null, null, false, false);
    }
  }

  static final class ContinueSignal extends RuntimeException {
    ContinueSignal() {
      super(null, null, false, false);
    }
  }

  /** Variables: a chain of frames; for-loop bodies and macros get their own frame. */
  static final class Scope {
    final Map<String, Object> vars = new LinkedHashMap<>();
    final Scope parent;

    Scope(Scope parent) {
      this.parent = parent;
    }

    Object get(String name) {
      for (Scope s = this; s != null; s = s.parent) {
        if (s.vars.containsKey(name)) {
          return s.vars.get(name);
        }
      }
      return UNDEFINED;
    }

    void set(String name, Object v) {
      vars.put(name, v);
    }
  }

  // ====================================================================== parser

  static List<Node> parse(String src) {
    Parser p = new Parser(lex(src));
    List<Node> body = p.block(Set.of());
    if (p.pos < p.toks.size()) {
      Tok t = p.toks.get(p.pos);
      throw new TemplateException("line " + t.line() + ": unexpected '{% " + t.text() + " %}'");
    }
    return body;
  }

  private static final class Set {
    static java.util.Set<String> of(String... s) {
      return java.util.Set.of(s);
    }
  }

  static final class Parser {
    final List<Tok> toks;
    int pos;
    String endedBy; // the keyword that closed the last block

    Parser(List<Tok> toks) {
      this.toks = toks;
    }

    static String keyword(String stmt) {
      int sp = 0;
      while (sp < stmt.length()
          && (Character.isLetterOrDigit(stmt.charAt(sp)) || stmt.charAt(sp) == '_')) {
        sp++;
      }
      return stmt.substring(0, sp);
    }

    /** Parses nodes until a statement whose keyword is in {@code enders} (consumed). */
    List<Node> block(java.util.Set<String> enders) {
      List<Node> nodes = new ArrayList<>();
      while (pos < toks.size()) {
        Tok t = toks.get(pos);
        if (t.kind() == 0) {
          String text = t.text();
          nodes.add((s, out) -> out.append(text));
          pos++;
        } else if (t.kind() == 1) {
          Expr e = new ExprParser(tokenize(t.text(), t.line()), t.line()).full();
          nodes.add((s, out) -> out.append(str(e.eval(s))));
          pos++;
        } else {
          String kw = keyword(t.text());
          if (enders.contains(kw)) {
            endedBy = kw;
            return nodes;
          }
          pos++;
          nodes.add(statement(t, kw));
        }
      }
      if (!enders.isEmpty()) {
        throw new TemplateException("template ended before one of " + enders + " was found");
      }
      return nodes;
    }

    Node statement(Tok t, String kw) {
      String rest = t.text().substring(kw.length()).trim();
      int line = t.line();
      switch (kw) {
        case "if":
          {
            List<Expr> conds = new ArrayList<>();
            List<List<Node>> bodies = new ArrayList<>();
            conds.add(expr(rest, line));
            List<Node> elseBody = null;
            while (true) {
              List<Node> b = block(Set.of("elif", "else", "endif"));
              Tok end = toks.get(pos++);
              if (elseBody == null && endedBy.equals("else")) {
                bodies.add(b);
                elseBody = block(Set.of("endif"));
                pos++;
                break;
              }
              bodies.add(b);
              if (endedBy.equals("endif")) {
                break;
              }
              conds.add(expr(end.text().substring(4).trim(), end.line()));
            }
            List<Node> eb = elseBody;
            return (s, out) -> {
              for (int i = 0; i < conds.size(); i++) {
                if (truthy(conds.get(i).eval(s))) {
                  renderAll(bodies.get(i), s, out);
                  return;
                }
              }
              if (eb != null) {
                renderAll(eb, s, out);
              }
            };
          }
        case "for":
          {
            ExprParser ep = new ExprParser(tokenize(rest, line), line);
            List<String> targets = new ArrayList<>();
            targets.add(ep.name());
            while (ep.accept(",")) {
              targets.add(ep.name());
            }
            ep.expectName("in");
            Expr iter = ep.orNoCond();
            Expr filter = null;
            if (ep.peekName("if")) {
              ep.next();
              filter = ep.or();
            }
            boolean recursive = ep.peekName("recursive");
            if (recursive) {
              ep.next();
            }
            ep.end();
            List<Node> body = block(Set.of("else", "endfor"));
            List<Node> elseBody = null;
            pos++;
            if (endedBy.equals("else")) {
              elseBody = block(Set.of("endfor"));
              pos++;
            }
            Expr f = filter;
            List<Node> eb = elseBody;
            return (s, out) -> renderFor(s, out, targets, iter, f, body, eb);
          }
        case "set":
          {
            int eq = findAssign(rest);
            if (eq < 0) { // block set
              String name = rest.trim();
              List<Node> body = block(Set.of("endset"));
              pos++;
              return (s, out) -> {
                StringBuilder sb = new StringBuilder();
                renderAll(body, s, sb);
                s.set(name, sb.toString());
              };
            }
            String target = rest.substring(0, eq).trim();
            Expr value = expr(rest.substring(eq + 1), line);
            if (target.contains(".")) {
              String obj = target.substring(0, target.indexOf('.')).trim();
              String attr = target.substring(target.indexOf('.') + 1).trim();
              return (s, out) -> {
                Object ns = s.get(obj);
                if (!(ns instanceof Namespace n)) {
                  throw new TemplateException(
                      "line " + line + ": cannot set attribute of '" + obj + "' (not a namespace)");
                }
                n.put(attr, value.eval(s));
              };
            }
            if (target.contains(",")) {
              String[] names = target.split(",");
              return (s, out) -> {
                List<Object> vals = asList(value.eval(s));
                for (int i = 0; i < names.length; i++) {
                  s.set(names[i].trim(), vals.get(i));
                }
              };
            }
            return (s, out) -> s.set(target, value.eval(s));
          }
        case "macro":
          {
            ExprParser ep = new ExprParser(tokenize(rest, line), line);
            String name = ep.name();
            ep.expect("(");
            List<String> params = new ArrayList<>();
            List<Expr> defaults = new ArrayList<>();
            while (!ep.accept(")")) {
              params.add(ep.name());
              defaults.add(ep.accept("=") ? ep.ternary() : null);
              ep.accept(",");
            }
            List<Node> body = block(Set.of("endmacro"));
            pos++;
            return (s, out) -> s.set(name, new Macro(name, params, defaults, body, s));
          }
        case "break":
          return (s, out) -> {
            throw new BreakSignal();
          };
        case "continue":
          return (s, out) -> {
            throw new ContinueSignal();
          };
        case "generation":
          {
            List<Node> body = block(Set.of("endgeneration"));
            pos++;
            return (s, out) -> renderAll(body, s, out);
          }
        case "filter":
          {
            String filterName = rest.trim();
            List<Node> body = block(Set.of("endfilter"));
            pos++;
            return (s, out) -> {
              StringBuilder sb = new StringBuilder();
              renderAll(body, s, sb);
              out.append(str(applyFilter(filterName, sb.toString(), List.of(), Map.of(), line)));
            };
          }
        default:
          throw new TemplateException(
              "line " + line + ": unsupported statement '{% " + t.text() + " %}'");
      }
    }

    static int findAssign(String s) {
      char q = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (q != 0) {
          if (c == q) {
            q = 0;
          }
        } else if (c == '\'' || c == '"') {
          q = c;
        } else if (c == '='
            && (i + 1 >= s.length() || s.charAt(i + 1) != '=')
            && (i == 0 || "!<>=".indexOf(s.charAt(i - 1)) < 0)) {
          return i;
        }
      }
      return -1;
    }

    static Expr expr(String src, int line) {
      return new ExprParser(tokenize(src, line), line).full();
    }
  }

  static void renderAll(List<Node> nodes, Scope s, StringBuilder out) {
    for (Node n : nodes) {
      n.render(s, out);
    }
  }

  static void renderFor(
      Scope s,
      StringBuilder out,
      List<String> targets,
      Expr iter,
      Expr filter,
      List<Node> body,
      List<Node> elseBody) {
    Object it = iter.eval(s);
    List<Object> items = iterate(it);
    if (filter != null) {
      List<Object> kept = new ArrayList<>();
      for (Object item : items) {
        Scope fs = new Scope(s);
        bind(fs, targets, item);
        if (truthy(filter.eval(fs))) {
          kept.add(item);
        }
      }
      items = kept;
    }
    if (items.isEmpty()) {
      if (elseBody != null) {
        renderAll(elseBody, s, out);
      }
      return;
    }
    int n = items.size();
    for (int i = 0; i < n; i++) {
      Scope inner = new Scope(s);
      bind(inner, targets, items.get(i));
      Map<String, Object> loop = new LinkedHashMap<>();
      loop.put("index", (long) i + 1);
      loop.put("index0", (long) i);
      loop.put("revindex", (long) (n - i));
      loop.put("revindex0", (long) (n - i - 1));
      loop.put("first", i == 0);
      loop.put("last", i == n - 1);
      loop.put("length", (long) n);
      loop.put("previtem", i > 0 ? items.get(i - 1) : UNDEFINED);
      loop.put("nextitem", i < n - 1 ? items.get(i + 1) : UNDEFINED);
      final int idx = i;
      loop.put("cycle", (Callable) (args, kw) -> args.get(idx % args.size()));
      inner.set("loop", loop);
      try {
        renderAll(body, inner, out);
      } catch (ContinueSignal c) {
        // next iteration
      } catch (BreakSignal b) {
        break;
      }
    }
  }

  static void bind(Scope s, List<String> targets, Object item) {
    if (targets.size() == 1) {
      s.set(targets.get(0), item);
    } else {
      List<Object> parts = asList(item);
      for (int k = 0; k < targets.size(); k++) {
        s.set(targets.get(k), k < parts.size() ? parts.get(k) : UNDEFINED);
      }
    }
  }

  interface Callable {
    Object call(List<Object> args, Map<String, Object> kwargs);
  }

  record Macro(
      String name, List<String> params, List<Expr> defaults, List<Node> body, Scope defScope)
      implements Callable {
    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
      Scope s = new Scope(defScope);
      for (int i = 0; i < params.size(); i++) {
        Object v;
        if (i < args.size()) {
          v = args.get(i);
        } else if (kwargs.containsKey(params.get(i))) {
          v = kwargs.get(params.get(i));
        } else if (defaults.get(i) != null) {
          v = defaults.get(i).eval(s);
        } else {
          v = UNDEFINED;
        }
        s.set(params.get(i), v);
      }
      StringBuilder sb = new StringBuilder();
      renderAll(body, s, sb);
      return sb.toString();
    }
  }

  // ====================================================================== expressions

  static final class ExprParser {
    final List<ET> t;
    final int line;
    int p;

    ExprParser(List<ET> t, int line) {
      this.t = t;
      this.line = line;
    }

    ET peek() {
      return t.get(p);
    }

    ET next() {
      return t.get(p++);
    }

    boolean isOp(String op) {
      ET e = peek();
      return e.type() == 'o' && e.s().equals(op);
    }

    boolean accept(String op) {
      if (isOp(op)) {
        p++;
        return true;
      }
      return false;
    }

    boolean peekName(String n) {
      ET e = peek();
      return e.type() == 'n' && e.s().equals(n);
    }

    void expect(String op) {
      if (!accept(op)) {
        throw err("expected '" + op + "'");
      }
    }

    void expectName(String n) {
      if (!peekName(n)) {
        throw err("expected '" + n + "'");
      }
      p++;
    }

    String name() {
      ET e = next();
      if (e.type() != 'n') {
        throw err("expected a name");
      }
      return e.s();
    }

    void end() {
      if (peek().type() != 'e') {
        throw err("unexpected '" + (peek().s() == null ? peek().value() : peek().s()) + "'");
      }
    }

    TemplateException err(String what) {
      StringBuilder sb = new StringBuilder();
      for (ET e : t) {
        sb.append(e.type() == 's' ? "'" + e.value() + "'" : e.s()).append(' ');
      }
      return new TemplateException(
          "line " + line + ": " + what + " in expression: " + sb.toString().trim());
    }

    Expr full() {
      Expr e = ternary();
      end();
      return e;
    }

    Expr ternary() {
      Expr a = or();
      while (peekName("if")) {
        p++;
        Expr cond = or();
        Expr b = null;
        if (peekName("else")) {
          p++;
          b = ternary();
        }
        Expr a0 = a;
        Expr b0 = b;
        a = s -> truthy(cond.eval(s)) ? a0.eval(s) : (b0 == null ? UNDEFINED : b0.eval(s));
      }
      return a;
    }

    /** An `or` expression that stops before a for-loop's `if` filter. */
    Expr orNoCond() {
      return or();
    }

    Expr or() {
      Expr a = and();
      while (peekName("or")) {
        p++;
        Expr l = a;
        Expr r = and();
        a =
            s -> {
              Object v = l.eval(s);
              return truthy(v) ? v : r.eval(s);
            };
      }
      return a;
    }

    Expr and() {
      Expr a = not();
      while (peekName("and")) {
        p++;
        Expr l = a;
        Expr r = not();
        a =
            s -> {
              Object v = l.eval(s);
              return !truthy(v) ? v : r.eval(s);
            };
      }
      return a;
    }

    Expr not() {
      if (peekName("not")) {
        p++;
        Expr e = not();
        return s -> !truthy(e.eval(s));
      }
      return compare();
    }

    Expr compare() {
      Expr a = math1();
      while (true) {
        String op;
        if (peek().type() == 'o'
            && List.of("==", "!=", "<", ">", "<=", ">=").contains(peek().s())) {
          op = next().s();
        } else if (peekName("in")) {
          p++;
          op = "in";
        } else if (peekName("not") && t.get(p + 1).type() == 'n' && t.get(p + 1).s().equals("in")) {
          p += 2;
          op = "not in";
        } else {
          return a;
        }
        Expr l = a;
        Expr r = math1();
        String o = op;
        a = s -> compareOp(o, l.eval(s), r.eval(s), line);
      }
    }

    Expr math1() {
      Expr a = concat();
      while (isOp("+") || isOp("-")) {
        String op = next().s();
        Expr l = a;
        Expr r = concat();
        a = s -> arith(op, l.eval(s), r.eval(s), line);
      }
      return a;
    }

    Expr concat() {
      Expr a = math2();
      while (isOp("~")) {
        p++;
        Expr l = a;
        Expr r = math2();
        a = s -> str(l.eval(s)) + str(r.eval(s));
      }
      return a;
    }

    Expr math2() {
      Expr a = pow();
      while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
        String op = next().s();
        Expr l = a;
        Expr r = pow();
        a = s -> arith(op, l.eval(s), r.eval(s), line);
      }
      return a;
    }

    Expr pow() {
      Expr a = unary();
      while (isOp("**")) {
        p++;
        Expr l = a;
        Expr r = unary();
        a = s -> arith("**", l.eval(s), r.eval(s), line);
      }
      return a;
    }

    Expr unary() {
      if (isOp("-")) {
        p++;
        Expr e = unary();
        return s -> arith("-", 0L, e.eval(s), line);
      }
      if (isOp("+")) {
        p++;
        return unary();
      }
      return filters(postfix(primary()));
    }

    Expr filters(Expr e) {
      while (true) {
        if (isOp("|")) {
          p++;
          String name = name();
          List<Expr> args = new ArrayList<>();
          Map<String, Expr> kw = new LinkedHashMap<>();
          if (isOp("(")) {
            p++;
            callArgs(args, kw);
          }
          Expr in = e;
          e = s -> applyFilter(name, in.eval(s), evalAll(args, s), evalKw(kw, s), line);
        } else if (peekName("is")) {
          p++;
          boolean neg = false;
          if (peekName("not")) {
            p++;
            neg = true;
          }
          String test = name();
          List<Expr> args = new ArrayList<>();
          if (isOp("(")) {
            p++;
            callArgs(args, new LinkedHashMap<>());
          } else if (peek().type() == 's'
              || peek().type() == 'd'
              || (peek().type() == 'n'
                  && !List.of("and", "or", "else", "if", "not", "in", "is").contains(peek().s()))) {
            args.add(postfix(primary()));
          }
          Expr in = e;
          boolean n = neg;
          e = s -> n != applyTest(test, in.eval(s), evalAll(args, s), line);
        } else {
          return e;
        }
      }
    }

    void callArgs(List<Expr> args, Map<String, Expr> kw) {
      while (!accept(")")) {
        if (peek().type() == 'n' && t.get(p + 1).type() == 'o' && t.get(p + 1).s().equals("=")) {
          String k = name();
          p++;
          kw.put(k, ternary());
        } else {
          args.add(ternary());
        }
        if (!isOp(")")) {
          expect(",");
        }
      }
    }

    Expr postfix(Expr e) {
      while (true) {
        if (isOp(".")) {
          p++;
          String attr = name();
          Expr in = e;
          e = s -> getAttr(in.eval(s), attr);
        } else if (isOp("[")) {
          p++;
          Expr[] parts = new Expr[3];
          boolean slice = false;
          int k = 0;
          while (!isOp("]")) {
            if (isOp(":")) {
              p++;
              slice = true;
              k++;
              if (k > 2) {
                throw err("bad slice");
              }
            } else {
              parts[k] = ternary();
            }
          }
          p++;
          Expr in = e;
          if (slice) {
            e =
                s ->
                    slice(
                        in.eval(s),
                        parts[0] == null ? null : parts[0].eval(s),
                        parts[1] == null ? null : parts[1].eval(s),
                        parts[2] == null ? null : parts[2].eval(s));
          } else {
            Expr idx = parts[0];
            e = s -> getItem(in.eval(s), idx.eval(s));
          }
        } else if (isOp("(")) {
          p++;
          List<Expr> args = new ArrayList<>();
          Map<String, Expr> kw = new LinkedHashMap<>();
          callArgs(args, kw);
          Expr fn = e;
          e =
              s -> {
                Object f = fn.eval(s);
                if (!(f instanceof Callable c)) {
                  throw new TemplateException("line " + line + ": " + repr(f) + " is not callable");
                }
                return c.call(evalAll(args, s), evalKw(kw, s));
              };
        } else {
          return e;
        }
      }
    }

    Expr primary() {
      ET e = next();
      switch (e.type()) {
        case 's':
          {
            StringBuilder sb = new StringBuilder((String) e.value());
            while (peek().type() == 's') { // adjacent literals concatenate
              sb.append((String) next().value());
            }
            String v = sb.toString();
            return s -> v;
          }
        case 'd':
          {
            Object v = e.value();
            return s -> v;
          }
        case 'n':
          {
            String n = e.s();
            switch (n) {
              case "true", "True":
                return s -> Boolean.TRUE;
              case "false", "False":
                return s -> Boolean.FALSE;
              case "none", "None":
                return s -> null;
              default:
                return s -> s.get(n);
            }
          }
        case 'o':
          {
            if (e.s().equals("(")) {
              Expr first = ternary();
              if (accept(")")) {
                return first;
              }
              List<Expr> items = new ArrayList<>();
              items.add(first);
              while (accept(",")) {
                if (isOp(")")) {
                  break;
                }
                items.add(ternary());
              }
              expect(")");
              return s -> evalAll(items, s);
            }
            if (e.s().equals("[")) {
              List<Expr> items = new ArrayList<>();
              while (!accept("]")) {
                items.add(ternary());
                if (!isOp("]")) {
                  expect(",");
                }
              }
              return s -> evalAll(items, s);
            }
            if (e.s().equals("{")) {
              List<Expr[]> items = new ArrayList<>();
              while (!accept("}")) {
                Expr k = ternary();
                expect(":");
                Expr v = ternary();
                items.add(new Expr[] {k, v});
                if (!isOp("}")) {
                  expect(",");
                }
              }
              return s -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (Expr[] kv : items) {
                  m.put(str(kv[0].eval(s)), kv[1].eval(s));
                }
                return m;
              };
            }
            throw err("unexpected '" + e.s() + "'");
          }
        default:
          throw err("unexpected end");
      }
    }
  }

  static List<Object> evalAll(List<Expr> es, Scope s) {
    List<Object> out = new ArrayList<>(es.size());
    for (Expr e : es) {
      out.add(e.eval(s));
    }
    return out;
  }

  static Map<String, Object> evalKw(Map<String, Expr> kw, Scope s) {
    Map<String, Object> out = new LinkedHashMap<>();
    kw.forEach((k, v) -> out.put(k, v.eval(s)));
    return out;
  }

  // ====================================================================== semantics

  static String render(List<Node> body, Map<String, Object> vars) {
    Scope g = new Scope(null);
    g.set(
        "raise_exception",
        (Callable)
            (a, k) -> {
              throw new TemplateException(a.isEmpty() ? "raise_exception() called" : str(a.get(0)));
            });
    g.set(
        "namespace",
        (Callable)
            (a, k) -> {
              Namespace n = new Namespace();
              for (Object o : a) {
                if (o instanceof Map<?, ?> m) {
                  m.forEach((kk, vv) -> n.put(String.valueOf(kk), vv));
                }
              }
              n.putAll(k);
              return n;
            });
    g.set(
        "range",
        (Callable)
            (a, k) -> {
              long start = a.size() > 1 ? toLong(a.get(0)) : 0;
              long stop = toLong(a.get(a.size() > 1 ? 1 : 0));
              long step = a.size() > 2 ? toLong(a.get(2)) : 1;
              List<Object> r = new ArrayList<>();
              for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                r.add(i);
              }
              return r;
            });
    g.set("dict", (Callable) (a, k) -> new LinkedHashMap<>(k));
    g.set("strftime_now", (Callable) (a, k) -> strftime(str(a.get(0)), LocalDateTime.now()));
    Scope s = new Scope(g);
    vars.forEach(s::set);
    StringBuilder out = new StringBuilder();
    try {
      renderAll(body, s, out);
    } catch (BreakSignal | ContinueSignal e) {
      throw new TemplateException("break/continue outside a for loop");
    }
    return out.toString();
  }

  static String strftime(String fmt, LocalDateTime t) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < fmt.length(); i++) {
      char c = fmt.charAt(i);
      if (c != '%' || i + 1 >= fmt.length()) {
        sb.append(c);
        continue;
      }
      char d = fmt.charAt(++i);
      switch (d) {
        case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
        case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
        case 'Y' -> sb.append(t.getYear());
        case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
        case 'b' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'H' -> sb.append(String.format("%02d", t.getHour()));
        case 'M' -> sb.append(String.format("%02d", t.getMinute()));
        case 'S' -> sb.append(String.format("%02d", t.getSecond()));
        case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case '%' -> sb.append('%');
        default -> sb.append('%').append(d);
      }
    }
    return sb.toString();
  }

  static boolean truthy(Object v) {
    if (v == null || v == UNDEFINED) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty() || v instanceof Namespace;
    }
    return true;
  }

  /** Python's str(). */
  static String str(Object v) {
    if (v == UNDEFINED) {
      return "";
    }
    if (v instanceof String s) {
      return s;
    }
    return repr(v);
  }

  /** Python's repr() for the value types templates see. */
  static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v == UNDEFINED) {
      return "";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof String s) {
      return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
    }
    if (v instanceof Double d) {
      return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16
          ? String.valueOf(d)
          : Double.toString(d);
    }
    if (v instanceof Number n) {
      return n.toString();
    }
    if (v instanceof List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < l.size(); i++) {
        sb.append(i > 0 ? ", " : "").append(repr(l.get(i)));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(first ? "" : ", ")
            .append(repr(e.getKey()))
            .append(": ")
            .append(repr(e.getValue()));
        first = false;
      }
      return sb.append('}').toString();
    }
    return String.valueOf(v);
  }

  static Object num(Object v) {
    if (v instanceof Integer i) {
      return (long) i;
    }
    if (v instanceof Float f) {
      return (double) f;
    }
    if (v instanceof Boolean b) {
      return b ? 1L : 0L;
    }
    return v;
  }

  static long toLong(Object v) {
    Object n = num(v);
    if (n instanceof Number x) {
      return x.longValue();
    }
    if (n instanceof String s) {
      return Long.parseLong(s.trim());
    }
    throw new TemplateException("expected a number, got " + repr(v));
  }

  static Object arith(String op, Object a, Object b, int line) {
    a = num(a);
    b = num(b);
    if (op.equals("+")) {
      if (a instanceof String x && b instanceof String y) {
        return x + y;
      }
      if (a instanceof List<?> x && b instanceof List<?> y) {
        List<Object> r = new ArrayList<>(x);
        r.addAll(y);
        return r;
      }
    }
    if (op.equals("*") && a instanceof String x && b instanceof Long n) {
      return x.repeat((int) Math.max(0, n));
    }
    if (!(a instanceof Number) || !(b instanceof Number)) {
      throw new TemplateException(
          "line "
              + line
              + ": unsupported operand types for "
              + op
              + ": "
              + repr(a)
              + " and "
              + repr(b));
    }
    boolean ints = a instanceof Long && b instanceof Long;
    double x = ((Number) a).doubleValue();
    double y = ((Number) b).doubleValue();
    switch (op) {
      case "+":
        return ints ? (Object) ((Long) a + (Long) b) : (Object) (x + y);
      case "-":
        return ints ? (Object) ((Long) a - (Long) b) : (Object) (x - y);
      case "*":
        return ints ? (Object) ((Long) a * (Long) b) : (Object) (x * y);
      case "/":
        return x / y;
      case "//":
        return ints ? (Object) Math.floorDiv((Long) a, (Long) b) : (Object) Math.floor(x / y);
      case "%":
        return ints
            ? (Object) Math.floorMod((Long) a, (Long) b)
            : (Object) (x - Math.floor(x / y) * y);
      case "**":
        return ints && (Long) b >= 0 ? (Object) (long) Math.pow(x, y) : (Object) Math.pow(x, y);
      default:
        throw new TemplateException("line " + line + ": unknown operator " + op);
    }
  }

  static boolean eq(Object a, Object b) {
    a = num(a);
    b = num(b);
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    if (a == UNDEFINED || b == UNDEFINED) {
      return a == b;
    }
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!eq(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  static Object compareOp(String op, Object a, Object b, int line) {
    switch (op) {
      case "==":
        return eq(a, b);
      case "!=":
        return !eq(a, b);
      case "in":
        return contains(b, a, line);
      case "not in":
        return !contains(b, a, line);
      default:
        break;
    }
    a = num(a);
    b = num(b);
    int c;
    if (a instanceof Number x && b instanceof Number y) {
      c = Double.compare(x.doubleValue(), y.doubleValue());
    } else if (a instanceof String x && b instanceof String y) {
      c = x.compareTo(y);
    } else {
      throw new TemplateException(
          "line " + line + ": cannot compare " + repr(a) + " " + op + " " + repr(b));
    }
    return switch (op) {
      case "<" -> c < 0;
      case ">" -> c > 0;
      case "<=" -> c <= 0;
      default -> c >= 0;
    };
  }

  static boolean contains(Object container, Object item, int line) {
    if (container instanceof String s) {
      return s.contains(str(item));
    }
    if (container instanceof Map<?, ?> m) {
      return m.containsKey(str(item));
    }
    if (container instanceof Collection<?> c) {
      for (Object o : c) {
        if (eq(o, item)) {
          return true;
        }
      }
      return false;
    }
    if (container == UNDEFINED || container == null) {
      throw new TemplateException("line " + line + ": 'in' on an undefined value");
    }
    throw new TemplateException("line " + line + ": cannot test membership in " + repr(container));
  }

  @SuppressWarnings("unchecked")
  static List<Object> asList(Object v) {
    if (v instanceof List<?> l) {
      return (List<Object>) l;
    }
    return iterate(v);
  }

  static List<Object> iterate(Object v) {
    if (v == null || v == UNDEFINED) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    if (v instanceof Collection<?> c) {
      return new ArrayList<>(c);
    }
    if (v instanceof Map<?, ?> m) {
      return new ArrayList<>(m.keySet());
    }
    if (v instanceof String s) {
      List<Object> out = new ArrayList<>();
      s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
      return out;
    }
    throw new TemplateException(repr(v) + " is not iterable");
  }

  static Object getItem(Object obj, Object key) {
    key = num(key);
    if (obj instanceof Map<?, ?> m) {
      String k = str(key);
      return m.containsKey(k) ? m.get(k) : UNDEFINED;
    }
    if (obj instanceof List<?> l && key instanceof Long i) {
      long idx = i < 0 ? l.size() + i : i;
      return idx >= 0 && idx < l.size() ? l.get((int) idx) : UNDEFINED;
    }
    if (obj instanceof String s && key instanceof Long i) {
      long idx = i < 0 ? s.length() + i : i;
      return idx >= 0 && idx < s.length() ? String.valueOf(s.charAt((int) idx)) : UNDEFINED;
    }
    if (key instanceof String name) {
      return getAttr(obj, name);
    }
    return UNDEFINED;
  }

  static Object slice(Object obj, Object start, Object stop, Object step) {
    List<Object> items;
    boolean isString = obj instanceof String;
    if (isString) {
      items = new ArrayList<>();
      for (char c : ((String) obj).toCharArray()) {
        items.add(String.valueOf(c));
      }
    } else {
      items = asList(obj);
    }
    int n = items.size();
    long st = step == null ? 1 : toLong(step);
    if (st == 0) {
      throw new TemplateException("slice step cannot be zero");
    }
    long a;
    long b;
    if (st > 0) {
      a = start == null ? 0 : clampIdx(toLong(start), n, 0, n);
      b = stop == null ? n : clampIdx(toLong(stop), n, 0, n);
    } else {
      a = start == null ? n - 1 : clampIdx(toLong(start), n, -1, n - 1);
      b = stop == null ? -1 : clampIdx(toLong(stop), n, -1, n - 1);
    }
    List<Object> out = new ArrayList<>();
    for (long i = a; st > 0 ? i < b : i > b; i += st) {
      out.add(items.get((int) i));
    }
    if (isString) {
      StringBuilder sb = new StringBuilder();
      out.forEach(sb::append);
      return sb.toString();
    }
    return out;
  }

  private static long clampIdx(long i, int n, long lo, long hi) {
    if (i < 0) {
      i += n;
    }
    return Math.max(lo, Math.min(hi, i));
  }

  static Object getAttr(Object obj, String name) {
    if (obj instanceof Map<?, ?> m) {
      if (m.containsKey(name)) {
        return m.get(name);
      }
      switch (name) {
        case "items":
          return (Callable) (a, k) -> itemsOf(m);
        case "keys":
          return (Callable) (a, k) -> new ArrayList<Object>(m.keySet());
        case "values":
          return (Callable) (a, k) -> new ArrayList<Object>(m.values());
        case "get":
          return (Callable)
              (a, k) ->
                  m.containsKey(str(a.get(0)))
                      ? m.get(str(a.get(0)))
                      : (a.size() > 1 ? a.get(1) : null);
        default:
          return UNDEFINED;
      }
    }
    if (obj instanceof String s) {
      return stringMethod(s, name);
    }
    if (obj instanceof List<?> l) {
      if (name.equals("append")) {
        return (Callable)
            (a, k) -> {
              @SuppressWarnings("unchecked")
              List<Object> ll = (List<Object>) l;
              ll.add(a.get(0));
              return UNDEFINED;
            };
      }
      if (name.equals("count")) {
        return (Callable) (a, k) -> l.stream().filter(x -> eq(x, a.get(0))).count();
      }
      if (name.equals("index")) {
        return (Callable)
            (a, k) -> {
              for (int i = 0; i < l.size(); i++) {
                if (eq(l.get(i), a.get(0))) {
                  return (long) i;
                }
              }
              throw new TemplateException(repr(a.get(0)) + " is not in list");
            };
      }
    }
    return UNDEFINED;
  }

  static List<Object> itemsOf(Map<?, ?> m) {
    List<Object> out = new ArrayList<>();
    m.forEach((k, v) -> out.add(new ArrayList<>(List.of(k, v == null ? NULL_MARK : v))));
    out.replaceAll(
        o -> {
          List<Object> pair = new ArrayList<>((List<?>) o);
          if (pair.get(1) == NULL_MARK) {
            pair.set(1, null);
          }
          return pair;
        });
    return out;
  }

  private static final Object NULL_MARK = new Object();

  static Object stringMethod(String s, String name) {
    switch (name) {
      case "strip":
        return (Callable) (a, k) -> strip(s, a.isEmpty() ? null : str(a.get(0)), true, true);
      case "lstrip":
        return (Callable) (a, k) -> strip(s, a.isEmpty() ? null : str(a.get(0)), true, false);
      case "rstrip":
        return (Callable) (a, k) -> strip(s, a.isEmpty() ? null : str(a.get(0)), false, true);
      case "upper":
        return (Callable) (a, k) -> s.toUpperCase(Locale.ROOT);
      case "lower":
        return (Callable) (a, k) -> s.toLowerCase(Locale.ROOT);
      case "title":
        return (Callable) (a, k) -> title(s);
      case "capitalize":
        return (Callable)
            (a, k) ->
                s.isEmpty()
                    ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT)
                        + s.substring(1).toLowerCase(Locale.ROOT);
      case "startswith":
        return (Callable) (a, k) -> anyOf(a.get(0), p -> s.startsWith(p));
      case "endswith":
        return (Callable) (a, k) -> anyOf(a.get(0), p -> s.endsWith(p));
      case "replace":
        return (Callable) (a, k) -> s.replace(str(a.get(0)), str(a.get(1)));
      case "find":
        return (Callable) (a, k) -> (long) s.indexOf(str(a.get(0)));
      case "count":
        return (Callable)
            (a, k) ->
                (long)
                    ((s.length() - s.replace(str(a.get(0)), "").length())
                        / Math.max(1, str(a.get(0)).length()));
      case "join":
        return (Callable)
            (a, k) -> {
              StringBuilder sb = new StringBuilder();
              List<Object> items = iterate(a.get(0));
              for (int i = 0; i < items.size(); i++) {
                sb.append(i > 0 ? s : "").append(str(items.get(i)));
              }
              return sb.toString();
            };
      case "split":
        return (Callable)
            (a, k) ->
                split(
                    s,
                    a.isEmpty() || a.get(0) == null ? null : str(a.get(0)),
                    a.size() > 1 ? toLong(a.get(1)) : -1);
      case "format":
        return (Callable)
            (a, k) -> {
              String r = s;
              for (Object o : a) {
                r = r.replaceFirst("\\{\\}", Matcher.quoteReplacement(str(o)));
              }
              return r;
            };
      default:
        return UNDEFINED;
    }
  }

  static boolean anyOf(Object arg, java.util.function.Predicate<String> p) {
    if (arg instanceof List<?> l) {
      return l.stream().anyMatch(x -> p.test(str(x)));
    }
    return p.test(str(arg));
  }

  static String title(String s) {
    StringBuilder sb = new StringBuilder();
    boolean start = true;
    for (char c : s.toCharArray()) {
      sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
      start = !Character.isLetter(c);
    }
    return sb.toString();
  }

  static String strip(String s, String chars, boolean left, boolean right) {
    int a = 0;
    int b = s.length();
    java.util.function.IntPredicate drop =
        chars == null ? Character::isWhitespace : c -> chars.indexOf(c) >= 0;
    while (left && a < b && drop.test(s.charAt(a))) {
      a++;
    }
    while (right && b > a && drop.test(s.charAt(b - 1))) {
      b--;
    }
    return s.substring(a, b);
  }

  static List<Object> split(String s, String sep, long max) {
    List<Object> out = new ArrayList<>();
    if (sep == null) {
      for (String part : s.trim().split("\\s+", max < 0 ? 0 : (int) max + 1)) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw new TemplateException("split(): empty separator");
    }
    int from = 0;
    while (max < 0 || out.size() < max) {
      int i = s.indexOf(sep, from);
      if (i < 0) {
        break;
      }
      out.add(s.substring(from, i));
      from = i + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }

  // ---------------------------------------------------------------------- filters

  static Object applyFilter(
      String name, Object v, List<Object> args, Map<String, Object> kw, int line) {
    switch (name) {
      case "trim":
        return strip(str(v), args.isEmpty() ? null : str(args.get(0)), true, true);
      case "length", "count":
        if (v instanceof String s) {
          return (long) s.codePointCount(0, s.length());
        }
        if (v instanceof Map<?, ?> m) {
          return (long) m.size();
        }
        return (long) iterate(v).size();
      case "tojson":
        {
          Object ind =
              kw.containsKey("indent") ? kw.get("indent") : (args.isEmpty() ? null : args.get(0));
          return toJson(v, ind == null ? -1 : (int) toLong(ind), 0);
        }
      case "string":
        return str(v);
      case "upper":
        return str(v).toUpperCase(Locale.ROOT);
      case "lower":
        return str(v).toLowerCase(Locale.ROOT);
      case "title":
        return title(str(v));
      case "capitalize":
        return stringMethod(str(v), "capitalize") instanceof Callable c
            ? c.call(List.of(), Map.of())
            : v;
      case "first":
        {
          List<Object> l = iterate(v);
          return l.isEmpty() ? UNDEFINED : l.get(0);
        }
      case "last":
        {
          List<Object> l = iterate(v);
          return l.isEmpty() ? UNDEFINED : l.get(l.size() - 1);
        }
      case "default", "d":
        {
          Object d = args.isEmpty() ? "" : args.get(0);
          boolean bool = args.size() > 1 && truthy(args.get(1));
          return v == UNDEFINED || (bool && !truthy(v)) ? d : v;
        }
      case "join":
        {
          String sep = args.isEmpty() ? "" : str(args.get(0));
          StringBuilder sb = new StringBuilder();
          List<Object> l = iterate(v);
          for (int i = 0; i < l.size(); i++) {
            sb.append(i > 0 ? sep : "").append(str(l.get(i)));
          }
          return sb.toString();
        }
      case "items":
        if (v instanceof Map<?, ?> m) {
          return itemsOf(m);
        }
        if (v == UNDEFINED || v == null) {
          return List.of();
        }
        throw new TemplateException(
            "line " + line + ": items filter needs a mapping, got " + repr(v));
      case "list":
        return iterate(v);
      case "reverse":
        {
          if (v instanceof String s) {
            return new StringBuilder(s).reverse().toString();
          }
          List<Object> l = iterate(v);
          java.util.Collections.reverse(l);
          return l;
        }
      case "int":
        try {
          Object n = num(v);
          return n instanceof Number x
              ? (Object) x.longValue()
              : (Object) (long) Double.parseDouble(str(v).trim());
        } catch (NumberFormatException e) {
          return 0L;
        }
      case "float":
        try {
          Object n = num(v);
          return n instanceof Number x ? x.doubleValue() : Double.parseDouble(str(v).trim());
        } catch (NumberFormatException e) {
          return 0.0;
        }
      case "abs":
        {
          Object n = num(v);
          return n instanceof Long x
              ? (Object) Math.abs(x)
              : (Object) Math.abs(((Number) n).doubleValue());
        }
      case "round":
        {
          double x = ((Number) num(v)).doubleValue();
          int prec = args.isEmpty() ? 0 : (int) toLong(args.get(0));
          double f = Math.pow(10, prec);
          return Math.round(x * f) / f;
        }
      case "replace":
        return str(v).replace(str(args.get(0)), str(args.get(1)));
      case "safe", "e", "escape", "forceescape":
        return name.equals("safe")
            ? v
            : str(v)
                .replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&#34;")
                .replace("'", "&#39;");
      case "unique":
        {
          LinkedHashSet<Object> set = new LinkedHashSet<>(iterate(v));
          return new ArrayList<>(set);
        }
      case "indent":
        {
          int width = args.isEmpty() ? 4 : (int) toLong(args.get(0));
          boolean first =
              args.size() > 1 ? truthy(args.get(1)) : truthy(kw.getOrDefault("first", false));
          String pad = " ".repeat(width);
          String s = str(v);
          String[] lines = s.split("\n", -1);
          StringBuilder sb = new StringBuilder();
          for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
              sb.append('\n');
            }
            if ((i > 0 || first) && !lines[i].isEmpty()) {
              sb.append(pad);
            }
            sb.append(lines[i]);
          }
          return sb.toString();
        }
      case "select", "reject":
        {
          boolean keep = name.equals("select");
          List<Object> out = new ArrayList<>();
          for (Object o : iterate(v)) {
            boolean r =
                args.isEmpty()
                    ? truthy(o)
                    : applyTest(str(args.get(0)), o, args.subList(1, args.size()), line);
            if (r == keep) {
              out.add(o);
            }
          }
          return out;
        }
      case "selectattr", "rejectattr":
        {
          boolean keep = name.equals("selectattr");
          List<Object> out = new ArrayList<>();
          for (Object o : iterate(v)) {
            Object a = getAttrPath(o, str(args.get(0)));
            boolean r =
                args.size() < 2
                    ? truthy(a)
                    : applyTest(str(args.get(1)), a, args.subList(2, args.size()), line);
            if (r == keep) {
              out.add(o);
            }
          }
          return out;
        }
      case "map":
        {
          List<Object> out = new ArrayList<>();
          for (Object o : iterate(v)) {
            if (kw.containsKey("attribute")) {
              Object a = getAttrPath(o, str(kw.get("attribute")));
              out.add(a == UNDEFINED && kw.containsKey("default") ? kw.get("default") : a);
            } else {
              out.add(
                  applyFilter(str(args.get(0)), o, args.subList(1, args.size()), Map.of(), line));
            }
          }
          return out;
        }
      case "dictsort":
        {
          List<Object> items = itemsOf((Map<?, ?>) v);
          items.sort((x, y) -> str(((List<?>) x).get(0)).compareTo(str(((List<?>) y).get(0))));
          return items;
        }
      case "sort":
        {
          List<Object> l = iterate(v);
          boolean rev = truthy(kw.getOrDefault("reverse", false));
          String attr = kw.containsKey("attribute") ? str(kw.get("attribute")) : null;
          l.sort(
              (x, y) -> {
                Object a = attr == null ? x : getAttrPath(x, attr);
                Object b = attr == null ? y : getAttrPath(y, attr);
                return truthy(compareOp("<", a, b, line)) ? -1 : eq(a, b) ? 0 : 1;
              });
          if (rev) {
            java.util.Collections.reverse(l);
          }
          return l;
        }
      case "wordcount":
        return (long) split(str(v), null, -1).size();
      case "sum":
        {
          Object acc = 0L;
          for (Object o : iterate(v)) {
            acc = arith("+", acc, o, line);
          }
          return acc;
        }
      case "min", "max":
        {
          List<Object> l = iterate(v);
          Object best = l.isEmpty() ? UNDEFINED : l.get(0);
          for (Object o : l) {
            boolean less = truthy(compareOp("<", o, best, line));
            if (name.equals("min") == less && !eq(o, best)) {
              best = o;
            }
          }
          return best;
        }
      default:
        throw new TemplateException("line " + line + ": unsupported filter '" + name + "'");
    }
  }

  static Object getAttrPath(Object o, String path) {
    Object cur = o;
    for (String part : path.split("\\.")) {
      cur = getItem(cur, part.matches("-?\\d+") ? (Object) Long.parseLong(part) : part);
    }
    return cur;
  }

  static boolean applyTest(String name, Object v, List<Object> args, int line) {
    Object n = num(v);
    switch (name) {
      case "defined":
        return v != UNDEFINED;
      case "undefined":
        return v == UNDEFINED;
      case "none":
        return v == null;
      case "string":
        return v instanceof String;
      case "number":
        return (v instanceof Number);
      case "integer":
        return v instanceof Long || v instanceof Integer;
      case "float":
        return v instanceof Double || v instanceof Float;
      case "boolean":
        return v instanceof Boolean;
      case "true":
        return Boolean.TRUE.equals(v);
      case "false":
        return Boolean.FALSE.equals(v);
      case "mapping":
        return v instanceof Map;
      case "iterable":
        return v instanceof Collection || v instanceof Map || v instanceof String;
      case "sequence":
        return v instanceof List || v instanceof String || v instanceof Map;
      case "callable":
        return v instanceof Callable;
      case "odd":
        return n instanceof Long x && x % 2 != 0;
      case "even":
        return n instanceof Long x && x % 2 == 0;
      case "divisibleby":
        return n instanceof Long x && x % toLong(args.get(0)) == 0;
      case "equalto", "eq", "==", "sameas":
        return eq(v, args.get(0));
      case "ne", "!=":
        return !eq(v, args.get(0));
      case "in":
        return contains(args.get(0), v, line);
      case "lower":
        return v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
      case "upper":
        return v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
      case "gt", "greaterthan":
        return truthy(compareOp(">", v, args.get(0), line));
      case "ge":
        return truthy(compareOp(">=", v, args.get(0), line));
      case "lt", "lessthan":
        return truthy(compareOp("<", v, args.get(0), line));
      case "le":
        return truthy(compareOp("<=", v, args.get(0), line));
      default:
        throw new TemplateException("line " + line + ": unsupported test '" + name + "'");
    }
  }

  /** Python's json.dumps(v, ensure_ascii=False, indent=indent) (as transformers' tojson). */
  static String toJson(Object v, int indent, int depth) {
    if (v == null || v == UNDEFINED) {
      return "null";
    }
    if (v instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (v instanceof Number x) {
      Object n = num(x);
      if (n instanceof Double d) {
        return d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : repr(d);
      }
      return n.toString();
    }
    if (v instanceof String s) {
      StringBuilder sb = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          case '\b' -> sb.append("\\b");
          case '\f' -> sb.append("\\f");
          default -> {
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      return sb.append('"').toString();
    }
    String nl = indent >= 0 ? "\n" + " ".repeat(indent * (depth + 1)) : "";
    String close = indent >= 0 ? "\n" + " ".repeat(indent * depth) : "";
    String sep = indent >= 0 ? "," : ", ";
    if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        return "{}";
      }
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(first ? "" : sep)
            .append(nl)
            .append(toJson(String.valueOf(e.getKey()), indent, depth + 1))
            .append(": ")
            .append(toJson(e.getValue(), indent, depth + 1));
        first = false;
      }
      return sb.append(close).append('}').toString();
    }
    if (v instanceof Collection<?> c) {
      if (c.isEmpty()) {
        return "[]";
      }
      StringBuilder sb = new StringBuilder("[");
      boolean first = true;
      for (Object o : c) {
        sb.append(first ? "" : sep).append(nl).append(toJson(o, indent, depth + 1));
        first = false;
      }
      return sb.append(close).append(']').toString();
    }
    return toJson(String.valueOf(v), indent, depth);
  }
}
