package ai.fairl.recipe;

/**
 * The {@code s3:} section (FAI-RL's {@code S3Config}). Accepted for compatibility; uploading is not
 * supported, so {@code enabled: true} is an error.
 */
public record S3(
    @Key(def = "false", doc = "Upload checkpoints to S3. Must be false here (not supported).")
        boolean enabled,
    @Key(def = "''", doc = "Bucket.", noEffect = "S3 upload is not supported") String bucket,
    @Key(def = "''", doc = "Key prefix.", noEffect = "S3 upload is not supported") String prefix,
    @Key(doc = "AWS region.", noEffect = "S3 upload is not supported") String region,
    @Key(doc = "S3-compatible endpoint.", noEffect = "S3 upload is not supported")
        String endpointUrl,
    @Key(def = "true", doc = "Upload the final model.", noEffect = "S3 upload is not supported")
        boolean uploadFinalModel,
    @Key(def = "true", doc = "Upload checkpoints.", noEffect = "S3 upload is not supported")
        boolean uploadCheckpoints,
    @Key(
            def = "false",
            doc = "Delete local checkpoints after upload.",
            noEffect = "S3 upload is not supported")
        boolean deleteLocalAfterUpload,
    @Key(def = "auto", doc = "s5cmd or boto3.", noEffect = "S3 upload is not supported")
        String uploader) {

  public S3 {
    Check.require(
        !enabled,
        "s3.enabled",
        "s3.enabled: true is not supported (FAI-RL for Java does not upload to S3)",
        "set s3.enabled: false and copy output_dir yourself (e.g. aws s3 sync)");
  }
}
