/*
 * A TextGenerator over a hosted API. Bounded concurrency (a fixed pool of api_concurrency
 * threads), retries with exponential backoff and jitter on 429, 5xx, timeouts, network errors and
 * malformed 200 bodies, honouring Retry-After (seconds or an HTTP date). Another 4xx fails the row
 * with the provider's own message; 401, 403 and 404 stop the run (every request would fail).
 * FAI-RL sent one request at a time and turned every error into an empty response.
 */
package ai.fairl.infer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Sends prompts to OpenAI, Gemini, Anthropic or a hosted endpoint. */
public final class ApiGenerator implements TextGenerator {
  private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);
  private final ApiSettings settings;
  private final HttpClient http;
  private final ExecutorService pool;
  private final Set<String> notices = ConcurrentHashMap.newKeySet();
  private final Consumer<String> noticeSink;
  private final AtomicInteger retries = new AtomicInteger();

  public ApiGenerator(ApiSettings settings) {
    this(settings, m -> System.err.println("notice: " + m));
  }

  /** A generator whose one-time notices (dropped parameters, ...) go to {@code noticeSink}. */
  public ApiGenerator(ApiSettings settings, Consumer<String> noticeSink) {
    this.settings = settings;
    this.noticeSink = noticeSink;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            settings.concurrency(),
            r -> {
              Thread t = new Thread(r, "fairl-api-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public String name() {
    return settings.model();
  }

  @Override
  public int batchSize() {
    return settings.concurrency() * 4;
  }

  public ApiSettings settings() {
    return settings;
  }

  /** The one-time notices given so far, for the summary. */
  public List<String> notices() {
    return List.copyOf(notices);
  }

  /** How many requests were retried so far. */
  public int retries() {
    return retries.get();
  }

  @Override
  public List<Completion> generate(List<Prompt> prompts, GenerationParams params) {
    List<Future<Completion>> futures = new ArrayList<>();
    for (Prompt p : prompts) {
      futures.add(pool.submit(() -> call(p, params)));
    }
    List<Completion> out = new ArrayList<>();
    ApiException fatal = null;
    for (Future<Completion> f : futures) {
      try {
        out.add(f.get());
      } catch (InterruptedException e) {
        futures.forEach(x -> x.cancel(true));
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + settings.model(), e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ApiException a) {
          if (a.fatal() && fatal == null) {
            fatal = a;
          }
          out.add(Completion.failed(a.getMessage()));
        } else {
          out.add(Completion.failed(String.valueOf(e.getCause())));
        }
      }
    }
    if (fatal != null) {
      throw fatal;
    }
    return out;
  }

  private void notice(String m) {
    if (notices.add(m)) {
      noticeSink.accept(m);
    }
  }

  Completion call(Prompt prompt, GenerationParams params) {
    ApiWire.Request req = ApiWire.build(settings, prompt, params, this::notice);
    String json = req.body().toString();
    URI uri = URI.create(req.url());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(settings.requestTimeout())
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    req.headers().forEach(b::header);
    HttpRequest request = b.build();
    String where = settings.provider().id() + " " + settings.model();
    String last = "no attempt";
    for (int attempt = 0; ; attempt++) {
      Duration wait;
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        if (status / 100 == 2) {
          try {
            return ApiWire.parse(settings, r.body());
          } catch (ApiWire.RefusedException e) {
            return Completion.failed(where + ": " + e.getMessage());
          } catch (IllegalStateException e) {
            last = settings.key().scrub(e.getMessage());
            wait = backoff(attempt);
          }
        } else if (status == 429 || status >= 500) {
          last = "HTTP " + status + ": " + settings.key().scrub(ApiWire.errorMessage(r.body()));
          Duration retryAfter = retryAfter(r);
          wait = retryAfter != null ? retryAfter : backoff(attempt);
        } else {
          String msg = settings.key().scrub(ApiWire.errorMessage(r.body()));
          boolean badKey =
              settings.provider() == ApiProvider.GOOGLE && msg.contains("API key not valid");
          boolean fatal = status == 401 || status == 403 || status == 404 || badKey;
          throw new ApiException(
              status,
              where
                  + " refused the request: HTTP "
                  + status
                  + ": "
                  + msg
                  + hint(badKey ? 401 : status),
              fatal);
        }
      } catch (HttpTimeoutException e) {
        last = "no response within " + settings.requestTimeout().toSeconds() + " s";
        wait = backoff(attempt);
      } catch (IOException e) {
        last = "network error: " + settings.key().scrub(String.valueOf(e.getMessage()));
        wait = backoff(attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Completion.failed(where + ": interrupted");
      }
      if (attempt >= settings.maxRetries()) {
        return Completion.failed(
            where + ": gave up after " + (attempt + 1) + " attempts; last error: " + last);
      }
      retries.incrementAndGet();
      try {
        Thread.sleep(wait.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Completion.failed(where + ": interrupted while waiting to retry (" + last + ")");
      }
    }
  }

  private static String hint(int status) {
    return switch (status) {
      case 401 -> " (check api_key or the provider's API-key environment variable)";
      case 403 -> " (the key has no access to this model or endpoint)";
      case 404 -> " (check api_endpoint and the model name)";
      default -> "";
    };
  }

  private Duration backoff(int attempt) {
    long base = settings.initialBackoff().toMillis() << Math.min(attempt, 20);
    long capped = Math.min(base, settings.maxBackoff().toMillis());
    double jitter = 0.5 + 0.5 * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis((long) (capped * jitter));
  }

  static Duration retryAfter(HttpResponse<?> r) {
    String v = r.headers().firstValue("retry-after").orElse(null);
    if (v == null || v.isBlank()) {
      return null;
    }
    Duration d;
    try {
      d = Duration.ofMillis((long) (Double.parseDouble(v.strip()) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
        d = Duration.between(ZonedDateTime.now(at.getZone()), at);
      } catch (RuntimeException notDate) {
        return null;
      }
    }
    if (d.isNegative()) {
      return Duration.ZERO;
    }
    return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
