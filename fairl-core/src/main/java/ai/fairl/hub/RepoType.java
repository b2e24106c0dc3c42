package ai.fairl.hub;

/** Kinds of Hub repositories, with their cache folder and URL prefixes. */
public enum RepoType {
  MODEL("models", "", "models"),
  DATASET("datasets", "datasets/", "datasets");

  final String cachePrefix;
  final String urlPrefix;
  final String apiPrefix;

  RepoType(String cachePrefix, String urlPrefix, String apiPrefix) {
    this.cachePrefix = cachePrefix;
    this.urlPrefix = urlPrefix;
    this.apiPrefix = apiPrefix;
  }

  /** The cache folder name, e.g. {@code models--Qwen--Qwen2.5-0.5B}. */
  public String cacheFolder(String repoId) {
    return cachePrefix + "--" + repoId.replace("/", "--");
  }
}
