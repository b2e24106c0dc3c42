/**
 * Model and dataset sources: the Hugging Face Hub client ({@link ai.fairl.hub.HubClient}) that
 * shares Python's cache layout and environment variables ({@link ai.fairl.hub.HubSettings}), {@link
 * ai.fairl.hub.ModelSource} (directory or Hub id to a local folder) and {@link
 * ai.fairl.hub.DatasetSource} (dataset id, subset and split to local files, through the {@code
 * FAIRL_DATASETS_DIR} mirror or the Hub).
 */
package ai.fairl.hub;
