package ai.fairl.notebook;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;

/**
 * Loads the classes JShell compiles from cells, plus jars added at run time ({@code --classpath},
 * {@code FAIRL_CLASSPATH}, {@code %jars}). Its parent is the kernel's own class loader, so cells
 * see the same {@code ai.fairl} and JJava classes as the kernel (one static notebook kernel, one
 * {@link ai.fairl.train.StopSignal}).
 *
 * <p>Simplified: classes are never unloaded (JShell redefinitions define a new class under the same
 * name only when the old one was not yet loaded; otherwise JShell renames the wrapper).
 */
final class CellClassLoader implements LoaderDelegate {
  private final Map<String, byte[]> declared = new ConcurrentHashMap<>();
  private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();
  private final Loader loader;

  CellClassLoader(ClassLoader parent) {
    this.loader = new Loader(parent);
  }

  ClassLoader classLoader() {
    return loader;
  }

  @Override
  public void load(ClassBytecodes[] cbcs) throws ClassInstallException {
    boolean[] installed = new boolean[cbcs.length];
    for (ClassBytecodes cbc : cbcs) {
      declared.put(cbc.name(), cbc.bytecodes());
    }
    for (int i = 0; i < cbcs.length; i++) {
      try {
        loaded.put(cbcs[i].name(), loader.loadClass(cbcs[i].name()));
        installed[i] = true;
      } catch (ClassNotFoundException | LinkageError e) {
        throw new ClassInstallException(
            "cannot load class " + cbcs[i].name() + ": " + e.getMessage(), installed);
      }
    }
  }

  @Override
  public void classesRedefined(ClassBytecodes[] cbcs) {
    for (ClassBytecodes cbc : cbcs) {
      declared.put(cbc.name(), cbc.bytecodes());
    }
  }

  @Override
  public void addToClasspath(String path) {
    for (String part : path.split(java.io.File.pathSeparator)) {
      if (part.isBlank()) {
        continue;
      }
      try {
        loader.add(Path.of(part).toAbsolutePath().toUri().toURL());
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("not a valid classpath entry: " + part, e);
      }
    }
  }

  @Override
  public Class<?> findClass(String name) throws ClassNotFoundException {
    Class<?> c = loaded.get(name);
    if (c == null) {
      c = loader.loadClass(name);
      loaded.put(name, c);
    }
    return c;
  }

  private final class Loader extends URLClassLoader {
    Loader(ClassLoader parent) {
      super("fairl-cells", new URL[0], parent);
    }

    void add(URL url) {
      addURL(url);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] bytes = declared.get(name);
      if (bytes == null) {
        return super.findClass(name);
      }
      return defineClass(name, bytes, 0, bytes.length, (CodeSource) null);
    }
  }
}
