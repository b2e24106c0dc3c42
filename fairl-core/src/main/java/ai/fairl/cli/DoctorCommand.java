package ai.fairl.cli;

import ai.fairl.setup.Credentials;
import ai.fairl.setup.Doctor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code fairl doctor}: one line per check of this machine (never a key's value). */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = "Check this machine: Java, tensor engine, GPUs, fonts, Jupyter, keys present.")
final class DoctorCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    Session s = Cli.current();
    Credentials credentials = new Credentials(s.env, Path.of(System.getProperty("user.home")));
    Doctor doctor =
        new Doctor(
            credentials,
            s.env,
            () -> {
              ai.djl.engine.Engine e = ai.djl.engine.Engine.getInstance();
              return e.getEngineName() + " " + e.getVersion();
            });
    doctor.run().forEach(c -> s.out.println(c));
    s.out.flush();
    return 0;
  }
}
