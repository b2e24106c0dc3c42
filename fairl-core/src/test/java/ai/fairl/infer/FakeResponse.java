package ai.fairl.infer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/** An HTTP response with only a Retry-After header, for header parsing tests. */
record FakeResponse(String retryAfter) implements HttpResponse<String> {
  @Override
  public int statusCode() {
    return 429;
  }

  @Override
  public HttpRequest request() {
    return null;
  }

  @Override
  public Optional<HttpResponse<String>> previousResponse() {
    return Optional.empty();
  }

  @Override
  public HttpHeaders headers() {
    Map<String, List<String>> m =
        retryAfter == null ? Map.of() : Map.of("Retry-After", List.of(retryAfter));
    return HttpHeaders.of(m, (a, b) -> true);
  }

  @Override
  public String body() {
    return "";
  }

  @Override
  public Optional<SSLSession> sslSession() {
    return Optional.empty();
  }

  @Override
  public URI uri() {
    return URI.create("http://127.0.0.1/");
  }

  @Override
  public HttpClient.Version version() {
    return HttpClient.Version.HTTP_1_1;
  }
}
