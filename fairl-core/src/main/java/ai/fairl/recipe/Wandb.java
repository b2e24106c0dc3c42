package ai.fairl.recipe;

import java.util.List;

/** The {@code wandb:} section (FAI-RL's {@code WandbConfig}). */
public record Wandb(
    @Key(
            def = "true",
            doc =
                "Log to Weights & Biases. FAI-RL's default is true even when the section is"
                    + " missing; without a key or network the run warns once and goes on.")
        boolean enabled,
    @Key(def = "rl", doc = "W&B project.") String project,
    @Key(doc = "W&B user or team.") String entity,
    @Key(doc = "Run name.") String name,
    @Key(def = "[]", doc = "Run tags.") List<String> tags,
    @Key(
            secret = true,
            doc =
                "W&B API key (null: the WANDB_API_KEY variable); shown as ***. Prefer `${env:WANDB_API_KEY}`.")
        String apiKey,
    @Key(def = "https://api.wandb.ai", doc = "W&B server (self-hosted: your URL).")
        String baseUrl) {

  public Wandb {
    tags = tags == null ? List.of() : List.copyOf(tags);
  }
}
