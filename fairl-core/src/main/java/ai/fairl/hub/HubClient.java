package ai.fairl.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Downloads files from the Hugging Face Hub into the cache layout Python's huggingface_hub uses, so
 * either side reuses what the other cached:
 *
 * <pre>
 * $HF_HUB_CACHE/models--org--name/blobs/&lt;etag&gt;                  file contents
 * $HF_HUB_CACHE/models--org--name/snapshots/&lt;commit&gt;/&lt;file&gt;   relative symlink to the blob
 * $HF_HUB_CACHE/models--org--name/refs/&lt;revision&gt;               the commit a branch or tag points to
 * </pre>
 *
 * The protocol follows {@code hf_hub_download}: a HEAD on {@code /<repo>/resolve/<rev>/<file>}
 * (relative redirects followed, absolute ones not) gives {@code X-Repo-Commit} and the {@code
 * ETag}/{@code X-Linked-Etag}; the GET follows redirects to the CDN (without the token when the
 * host changes) and resumes an interrupted {@code .incomplete} blob with a Range request. LFS blobs
 * (64-hex ETag) are checked against their sha256. When the Hub is unreachable, or {@code
 * HF_HUB_OFFLINE} is set, files come from the cache alone.
 *
 * <p>Simplified: no file locks between concurrent processes, no Xet storage protocol, no {@code
 * .no_exist} markers.
 */
public final class HubClient {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern REPO_ID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*(/[A-Za-z0-9_.\\-]+)?");
  private final HubSettings settings;
  private final HttpClient http;

  public HubClient(HubSettings settings) {
    this.settings = settings;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** A client configured from {@code HF_*} environment variables. */
  public static HubClient fromEnvironment() {
    return new HubClient(HubSettings.fromEnvironment());
  }

  public HubSettings settings() {
    return settings;
  }

  /** The cache folder of one repository. */
  public Path repoDir(String repoId, RepoType type) {
    return settings.cacheDir().resolve(type.cacheFolder(repoId));
  }

  /**
   * Returns the local path of one file at {@code revision} (branch, tag or commit; null means
   * {@code main}), downloading it into the cache when needed.
   */
  public Path download(String repoId, RepoType type, String revision, String filename) {
    checkRepoId(repoId);
    String rev = revision == null ? "main" : revision;
    if (filename.startsWith("/") || filename.contains("..") || filename.contains("\\")) {
      throw new IllegalArgumentException("invalid file name in repo " + repoId + ": " + filename);
    }
    Path repo = repoDir(repoId, type);
    if (settings.offline()) {
      return cached(repoId, type, rev, filename, "HF_HUB_OFFLINE is set");
    }
    String url =
        settings.endpoint()
            + "/"
            + type.urlPrefix
            + repoId
            + "/resolve/"
            + enc(rev)
            + "/"
            + encPath(filename);
    HttpResponse<Void> head;
    try {
      head = head(url);
    } catch (IOException e) {
      return cached(repoId, type, rev, filename, "the Hub is unreachable (" + e.getMessage() + ")");
    }
    checkStatus(head.statusCode(), repoId, rev, filename, url);
    String commit = head.headers().firstValue("X-Repo-Commit").orElse(null);
    String etag =
        head.headers()
            .firstValue("X-Linked-Etag")
            .or(() -> head.headers().firstValue("ETag"))
            .orElse(null);
    if (commit == null || etag == null) {
      throw new IllegalStateException(
          "the Hub answered "
              + url
              + " without X-Repo-Commit or ETag; is HF_ENDPOINT ("
              + settings.endpoint()
              + ") a Hugging Face Hub?");
    }
    etag = normalizeEtag(etag);
    long size =
        head.headers()
            .firstValue("X-Linked-Size")
            .or(() -> head.headers().firstValue("Content-Length"))
            .map(Long::parseLong)
            .orElse(-1L);
    try {
      if (!rev.equals(commit)) {
        writeRef(repo, rev, commit);
      }
      Path pointer = repo.resolve("snapshots").resolve(commit).resolve(filename);
      if (Files.exists(pointer)) {
        return pointer;
      }
      Path blob = repo.resolve("blobs").resolve(etag);
      if (!Files.isRegularFile(blob)) {
        fetchBlob(url, blob, size, etag, repoId + "/" + filename);
      }
      link(pointer, blob);
      return pointer;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot store "
              + repoId
              + "/"
              + filename
              + " in the cache "
              + repo
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Downloads every file of the repository that {@code include} accepts (null: all) and returns the
   * snapshot folder. Offline, returns the cached snapshot of {@code revision}.
   */
  public Path snapshot(String repoId, RepoType type, String revision, Predicate<String> include) {
    checkRepoId(repoId);
    String rev = revision == null ? "main" : revision;
    Path repo = repoDir(repoId, type);
    if (settings.offline()) {
      return cachedSnapshot(repoId, type, rev, "HF_HUB_OFFLINE is set");
    }
    String url =
        settings.endpoint() + "/api/" + type.apiPrefix + "/" + repoId + "/revision/" + enc(rev);
    JsonObject info;
    try {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create(url)).GET(),
              HttpResponse.BodyHandlers.ofString(),
              true);
      checkStatus(r.statusCode(), repoId, rev, null, url);
      info = JsonParser.parseString(r.body()).getAsJsonObject();
    } catch (IOException e) {
      return cachedSnapshot(repoId, type, rev, "the Hub is unreachable (" + e.getMessage() + ")");
    }
    String commit = info.get("sha").getAsString();
    List<String> files = new ArrayList<>();
    for (JsonElement s : info.getAsJsonArray("siblings")) {
      String f = s.getAsJsonObject().get("rfilename").getAsString();
      if (include == null || include.test(f)) {
        files.add(f);
      }
    }
    try {
      if (!rev.equals(commit)) {
        writeRef(repo, rev, commit);
      }
      Files.createDirectories(repo.resolve("snapshots").resolve(commit));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the cache " + repo, e);
    }
    for (String f : files) {
      download(repoId, type, commit, f);
    }
    return repo.resolve("snapshots").resolve(commit);
  }

  private Path cached(String repoId, RepoType type, String rev, String filename, String why) {
    Path snap = cachedSnapshot(repoId, type, rev, why);
    Path p = snap.resolve(filename);
    if (!Files.exists(p)) {
      throw new IllegalStateException(
          repoId
              + "/"
              + filename
              + " (revision "
              + rev
              + ") is not in the cache "
              + snap
              + " and "
              + why
              + "; download it once online (unset HF_HUB_OFFLINE) or copy the files into a local directory");
    }
    return p;
  }

  private Path cachedSnapshot(String repoId, RepoType type, String rev, String why) {
    Path repo = repoDir(repoId, type);
    String commit = rev;
    if (!COMMIT.matcher(rev).matches()) {
      Path ref = repo.resolve("refs").resolve(rev);
      if (!Files.isRegularFile(ref)) {
        throw new IllegalStateException(
            repoId
                + " (revision "
                + rev
                + ") is not in the cache "
                + repo
                + " and "
                + why
                + "; download it once online (unset HF_HUB_OFFLINE) or use a local directory");
      }
      try {
        commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + ref, e);
      }
    }
    Path snap = repo.resolve("snapshots").resolve(commit);
    if (!Files.isDirectory(snap)) {
      throw new IllegalStateException(
          repoId + " snapshot " + commit + " is missing from " + repo + " and " + why);
    }
    return snap;
  }

  private HttpResponse<Void> head(String url) throws IOException {
    String cur = url;
    for (int hop = 0; hop < 5; hop++) {
      HttpResponse<Void> r =
          send(
              HttpRequest.newBuilder(URI.create(cur))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody()),
              HttpResponse.BodyHandlers.discarding(),
              true);
      int s = r.statusCode();
      String loc = r.headers().firstValue("Location").orElse(null);
      if (s >= 300 && s < 400 && loc != null && loc.startsWith("/")) {
        cur =
            URI.create(cur)
                .resolve(loc)
                .toString(); // a renamed repo: follow relative redirects only
        continue;
      }
      return r;
    }
    throw new IOException("too many redirects from " + url);
  }

  private void fetchBlob(String url, Path blob, long size, String etag, String what)
      throws IOException {
    Files.createDirectories(blob.getParent());
    Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
    long have = Files.isRegularFile(part) ? Files.size(part) : 0;
    String cur = url;
    String host = URI.create(url).getHost();
    for (int hop = 0; hop < 6; hop++) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(cur)).GET().header("Accept-Encoding", "identity");
      if (have > 0) {
        b.header("Range", "bytes=" + have + "-");
      }
      boolean sameHost = host.equals(URI.create(cur).getHost());
      HttpResponse<InputStream> r = send(b, HttpResponse.BodyHandlers.ofInputStream(), sameHost);
      int s = r.statusCode();
      if (s >= 300 && s < 400) {
        r.body().close();
        cur =
            URI.create(cur)
                .resolve(
                    r.headers()
                        .firstValue("Location")
                        .orElseThrow(
                            () -> new IOException("redirect without Location from " + url)))
                .toString();
        continue;
      }
      if (s == 416 && have > 0 && size >= 0 && have == size) {
        r.body().close();
        break; // already complete
      }
      if (s != 200 && s != 206) {
        r.body().close();
        throw new IOException("GET " + cur + " answered HTTP " + s);
      }
      boolean append = s == 206;
      try (InputStream in = r.body();
          OutputStream out =
              Files.newOutputStream(
                  part,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        in.transferTo(out);
      }
      break;
    }
    long got = Files.size(part);
    if (size >= 0 && got != size) {
      throw new IOException(
          what
              + ": downloaded "
              + got
              + " bytes, expected "
              + size
              + " (kept "
              + part
              + " to resume)");
    }
    if (etag.matches("[0-9a-f]{64}")) {
      String sha = sha256(part);
      if (!sha.equals(etag)) {
        Files.delete(part);
        throw new IOException(
            what
                + ": sha256 "
                + sha
                + " does not match the Hub's "
                + etag
                + "; the partial file was removed, retry");
      }
    }
    Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private <T> HttpResponse<T> send(
      HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler, boolean withToken)
      throws IOException {
    b.header("User-Agent", "fairl-java; huggingface_hub-compatible")
        .timeout(Duration.ofMinutes(30));
    if (withToken && settings.token() != null) {
      b.header("Authorization", "Bearer " + settings.token());
    }
    try {
      return http.send(b.build(), handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void checkStatus(int s, String repoId, String rev, String file, String url) {
    if (s < 400) {
      return;
    }
    String what = file == null ? repoId + " at " + rev : repoId + "/" + file + " at " + rev;
    if (s == 401 || s == 403) {
      throw new IllegalStateException(
          "the Hub refused "
              + what
              + " (HTTP "
              + s
              + "): the repo is private or gated. Set HF_TOKEN (or run `huggingface-cli login`) with a token that has access"
              + (settings.token() == null
                  ? "; no token is set now"
                  : "; the current token lacks access"));
    }
    if (s == 404) {
      throw new IllegalStateException(
          "not found on the Hub: "
              + what
              + " (HTTP 404, "
              + url
              + "); check the repo id, revision and file name");
    }
    throw new IllegalStateException(
        "the Hub answered HTTP " + s + " for " + what + " (" + url + ")");
  }

  static String normalizeEtag(String etag) {
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    if (e.startsWith("\"") && e.endsWith("\"") && e.length() >= 2) {
      e = e.substring(1, e.length() - 1);
    }
    return e;
  }

  private static void writeRef(Path repo, String rev, String commit) throws IOException {
    Path ref = repo.resolve("refs").resolve(rev);
    Files.createDirectories(ref.getParent());
    if (Files.isRegularFile(ref)
        && Files.readString(ref, StandardCharsets.UTF_8).trim().equals(commit)) {
      return;
    }
    Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp");
    Files.writeString(tmp, commit, StandardCharsets.UTF_8);
    Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void link(Path pointer, Path blob) throws IOException {
    Files.createDirectories(pointer.getParent());
    Path rel = pointer.getParent().relativize(blob);
    try {
      Files.createSymbolicLink(pointer, rel);
    } catch (FileAlreadyExistsException e) {
      // another process linked it first
    } catch (UnsupportedOperationException | IOException e) {
      Files.copy(
          blob,
          pointer,
          StandardCopyOption.REPLACE_EXISTING); // no symlinks here: copy, as huggingface_hub does
    }
  }

  private static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void checkRepoId(String repoId) {
    if (repoId == null
        || !REPO_ID.matcher(repoId).matches()
        || repoId.contains("--")
        || repoId.contains("..")) {
      throw new IllegalArgumentException(
          "invalid Hub repo id '" + repoId + "'; expected 'org/name' (e.g. Qwen/Qwen2.5-0.5B)");
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encPath(String file) {
    StringBuilder sb = new StringBuilder();
    for (String seg : file.split("/")) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(enc(seg));
    }
    return sb.toString();
  }
}
