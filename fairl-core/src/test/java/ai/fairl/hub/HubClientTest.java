package ai.fairl.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hub client against a local server that replays the Hub's URL layout and headers: HEAD on
 * /resolve/ answers X-Repo-Commit and ETag (regular files: git sha1) or a 302 to the CDN with
 * X-Linked-Etag (sha256) and X-Linked-Size (LFS files); renamed repos answer a relative 307.
 */
class HubClientTest {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String CONFIG_ETAG = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
  static final String SECRET = "hf_canarySECRET123";
  @TempDir Path tmp;
  HttpServer server;
  String endpoint;
  final byte[] config =
      "{\"architectures\":[\"LlamaForCausalLM\"]}".getBytes(StandardCharsets.UTF_8);
  final byte[] weights = new byte[300_000];
  String weightsSha;
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final List<String> cdnAuth = Collections.synchronizedList(new ArrayList<>());
  volatile long cdnBytes;

  @BeforeEach
  void start() throws Exception {
    new Random(1).nextBytes(weights);
    weightsSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
    endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String method = ex.getRequestMethod();
    log.add(method + " " + path);
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    var h = ex.getResponseHeaders();
    if (path.startsWith("/old/tiny/")) {
      h.add("Location", path.replace("/old/tiny/", "/acme/tiny/"));
      reply(ex, 307, new byte[0]);
      return;
    }
    if (path.startsWith("/acme/private/") || path.startsWith("/api/models/acme/private/")) {
      if (!("Bearer " + SECRET).equals(auth)) {
        h.add("X-Error-Code", "GatedRepo");
        reply(ex, 401, "{\"error\":\"Access to model acme/private is restricted.\"}".getBytes());
        return;
      }
      path =
          path.replace("/acme/private/", "/acme/tiny/")
              .replace("/api/models/acme/private/", "/api/models/acme/tiny/");
    }
    if (path.equals("/api/models/acme/tiny/revision/main")) {
      String body =
          "{\"id\":\"acme/tiny\",\"sha\":\""
              + COMMIT
              + "\",\"siblings\":[{\"rfilename\":\"config.json\"},{\"rfilename\":\"model.safetensors\"},{\"rfilename\":\"README.md\"}]}";
      h.add("Content-Type", "application/json");
      reply(ex, 200, body.getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (path.matches("/acme/tiny/resolve/(main|" + COMMIT + ")/config.json")) {
      h.add("X-Repo-Commit", COMMIT);
      h.add("ETag", "\"" + CONFIG_ETAG + "\"");
      reply(ex, 200, config);
      return;
    }
    if (path.matches("/acme/tiny/resolve/(main|" + COMMIT + ")/model.safetensors")) {
      h.add("X-Repo-Commit", COMMIT);
      h.add("X-Linked-Etag", "\"" + weightsSha + "\"");
      h.add("X-Linked-Size", Integer.toString(weights.length));
      h.add("ETag", "W/\"not-this-one\"");
      h.add(
          "Location",
          endpoint.replace("127.0.0.1", "localhost")
              + "/cdn/"
              + weightsSha
              + "?sig=x"); // CDN: another host
      reply(ex, 302, new byte[0]);
      return;
    }
    if (path.startsWith("/cdn/")) {
      cdnAuth.add(auth == null ? "none" : "present");
      String range = ex.getRequestHeaders().getFirst("Range");
      int from = 0;
      if (range != null) {
        from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
        h.add("Content-Range", "bytes " + from + "-" + (weights.length - 1) + "/" + weights.length);
      }
      byte[] part = java.util.Arrays.copyOfRange(weights, from, weights.length);
      cdnBytes += "HEAD".equals(method) ? 0 : part.length;
      reply(ex, range != null ? 206 : 200, part);
      return;
    }
    reply(ex, 404, "{\"error\":\"Entry not found\"}".getBytes());
  }

  static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
    boolean head = "HEAD".equals(ex.getRequestMethod());
    if (head) {
      ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    }
    ex.close();
  }

  HubClient client(boolean offline, String token) {
    return new HubClient(new HubSettings(endpoint, tmp.resolve("hf/hub"), token, offline));
  }

  @Test
  void downloadsIntoThePythonCacheLayoutAndReusesIt() throws Exception {
    HubClient c = client(false, null);
    Path cfg = c.download("acme/tiny", RepoType.MODEL, null, "config.json");
    Path w = c.download("acme/tiny", RepoType.MODEL, "main", "model.safetensors");
    Path repo = tmp.resolve("hf/hub/models--acme--tiny");
    assertEquals(repo.resolve("snapshots/" + COMMIT + "/config.json"), cfg);
    assertTrue(Files.isSymbolicLink(cfg));
    assertEquals(Path.of("../../blobs/" + CONFIG_ETAG), Files.readSymbolicLink(cfg));
    assertEquals(Path.of("../../blobs/" + weightsSha), Files.readSymbolicLink(w));
    assertEquals(COMMIT, Files.readString(repo.resolve("refs/main")));
    assertArrayEquals(config, Files.readAllBytes(cfg));
    assertArrayEquals(weights, Files.readAllBytes(w));
    assertEquals(List.of("none"), cdnAuth);
    // second time: HEAD only, no GET
    log.clear();
    c.download("acme/tiny", RepoType.MODEL, null, "model.safetensors");
    assertEquals(List.of("HEAD /acme/tiny/resolve/main/model.safetensors"), log);
    // offline: no requests at all
    log.clear();
    assertEquals(
        w, client(true, null).download("acme/tiny", RepoType.MODEL, null, "model.safetensors"));
    assertTrue(log.isEmpty());
    String msg =
        assertThrows(
                IllegalStateException.class,
                () -> client(true, null).download("acme/tiny", RepoType.MODEL, null, "other.bin"))
            .getMessage();
    assertTrue(msg.contains("HF_HUB_OFFLINE") && msg.contains("other.bin"), msg);
  }

  @Test
  void resumesAnInterruptedDownloadWithARangeRequest() throws Exception {
    Path blobs = Files.createDirectories(tmp.resolve("hf/hub/models--acme--tiny/blobs"));
    Files.write(
        blobs.resolve(weightsSha + ".incomplete"), java.util.Arrays.copyOf(weights, 100_000));
    Path w = client(false, null).download("acme/tiny", RepoType.MODEL, null, "model.safetensors");
    assertArrayEquals(weights, Files.readAllBytes(w));
    assertEquals(200_000, cdnBytes);
    assertFalse(Files.exists(blobs.resolve(weightsSha + ".incomplete")));
  }

  @Test
  void corruptDownloadsAreRejected() throws Exception {
    Path blobs = Files.createDirectories(tmp.resolve("hf/hub/models--acme--tiny/blobs"));
    byte[] wrong = java.util.Arrays.copyOf(weights, 100_000);
    wrong[5] ^= 1;
    Files.write(blobs.resolve(weightsSha + ".incomplete"), wrong);
    var e =
        assertThrows(
            java.io.UncheckedIOException.class,
            () ->
                client(false, null)
                    .download("acme/tiny", RepoType.MODEL, null, "model.safetensors"));
    assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    assertFalse(Files.exists(blobs.resolve(weightsSha)));
  }

  @Test
  void tokenFromHfHomeUnlocksPrivateReposAndIsNeverShown() throws Exception {
    String msg =
        assertThrows(
                IllegalStateException.class,
                () ->
                    client(false, null)
                        .download("acme/private", RepoType.MODEL, null, "config.json"))
            .getMessage();
    assertTrue(msg.contains("HF_TOKEN") && msg.contains("401"), msg);
    Path home = Files.createDirectories(tmp.resolve("hf"));
    Files.writeString(home.resolve("token"), SECRET + "\n");
    HubSettings s =
        HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString(), "HF_ENDPOINT", endpoint));
    assertEquals(SECRET, s.token());
    assertFalse(s.toString().contains(SECRET));
    Path p = new HubClient(s).download("acme/private", RepoType.MODEL, null, "config.json");
    assertArrayEquals(config, Files.readAllBytes(p));
    // the token goes to the Hub, never to the CDN host the LFS redirect names
    new HubClient(s).download("acme/private", RepoType.MODEL, null, "model.safetensors");
    assertEquals(List.of("none"), cdnAuth);
    assertEquals(
        SECRET,
        HubSettings.fromEnvironment(Map.of("HF_HOME", "/nonexistent", "HF_TOKEN", SECRET)).token());
    assertNull(HubSettings.fromEnvironment(Map.of("HF_HOME", "/nonexistent")).token());
    assertTrue(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1")).offline());
  }

  @Test
  void followsRelativeRedirectsOfRenamedRepos() throws Exception {
    Path p = client(false, null).download("old/tiny", RepoType.MODEL, null, "config.json");
    assertArrayEquals(config, Files.readAllBytes(p));
  }

  @Test
  void snapshotDownloadsTheFilesAModelNeeds() throws Exception {
    Path dir = ModelSource.resolve("acme/tiny", client(false, null));
    assertEquals(tmp.resolve("hf/hub/models--acme--tiny/snapshots/" + COMMIT), dir);
    assertTrue(Files.isRegularFile(dir.resolve("config.json")));
    assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
    assertFalse(Files.exists(dir.resolve("README.md")));
    // offline snapshot from refs/main; the server is not asked
    server.stop(0);
    assertEquals(dir, ModelSource.resolve("acme/tiny", client(true, null)));
    // online but unreachable: falls back to the cache
    assertEquals(
        dir.resolve("config.json"),
        client(false, null).download("acme/tiny", RepoType.MODEL, null, "config.json"));
  }

  /**
   * A cache in the layout huggingface_hub writes (blobs, relative snapshot links, refs) is reused:
   * no GET.
   */
  @Test
  void reusesACacheInPythonsLayout() throws Exception {
    Path repo = tmp.resolve("hf/hub/models--acme--tiny");
    Files.createDirectories(repo.resolve("blobs"));
    Files.createDirectories(repo.resolve("refs"));
    Files.createDirectories(repo.resolve("snapshots/" + COMMIT));
    Files.write(repo.resolve("blobs/" + weightsSha), weights);
    Files.writeString(repo.resolve("refs/main"), COMMIT);
    Files.createSymbolicLink(
        repo.resolve("snapshots/" + COMMIT + "/model.safetensors"),
        Path.of("../../blobs/" + weightsSha));
    Path p = client(false, null).download("acme/tiny", RepoType.MODEL, null, "model.safetensors");
    assertArrayEquals(weights, Files.readAllBytes(p));
    assertEquals(0, cdnBytes);
    assertTrue(log.stream().noneMatch(l -> l.startsWith("GET")), log.toString());
  }

  @Test
  void datasetIdsMapToTheMirror() throws Exception {
    Path shared = Path.of(System.getProperty("fairl.shared.data", "../shared/data"));
    assertTrue(Files.isDirectory(shared.resolve("gsm8k")), "missing shared data at " + shared);
    System.setProperty("fairl.datasets.dir", shared.toString());
    try {
      assertEquals(
          List.of(shared.resolve("gsm8k/train.jsonl")),
          DatasetSource.resolve("openai/gsm8k", "main", "train"));
      assertEquals(
          List.of(shared.resolve("mmlu/test/abstract_algebra_test.csv")),
          DatasetSource.resolve("cais/mmlu", "abstract_algebra", "test"));
      assertEquals(57, DatasetSource.resolve("cais/mmlu", "all", "test").size());
      String msg =
          assertThrows(
                  IllegalArgumentException.class,
                  () -> DatasetSource.resolve("nobody/nothing", null, "train"))
              .getMessage();
      assertTrue(msg.contains("FAIRL_DATASETS_DIR") && msg.contains("nothing"), msg);
    } finally {
      System.clearProperty("fairl.datasets.dir");
    }
  }
}
