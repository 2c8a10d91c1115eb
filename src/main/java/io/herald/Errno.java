package io.herald;

/**
 * The errno values Herald puts in the {@code error} field of an {@link ErrorDict}, as the original
 * server does.
 */
public enum Errno {
  EACCES(13),
  EFAULT(14),
  EEXIST(17),
  EINTR(4),
  EAGAIN(11),
  EIO(5),
  EINVAL(22),
  ENOENT(2),
  ETIMEDOUT(110),
  EHOSTDOWN(112),
  ENOBUFS(105),
  ETOOMANYREFS(109),
  ENOMETHOD(201),
  ENOTAUTHENTICATED(207);

  public final int code;

  Errno(int code) {
    this.code = code;
  }
}
