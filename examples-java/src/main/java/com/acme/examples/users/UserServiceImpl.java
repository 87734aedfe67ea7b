package com.acme.examples.users;

import com.acme.users.v1.CreateUserRequest;
import com.acme.users.v1.GetUserRequest;
import com.acme.users.v1.ListUsersRequest;
import com.acme.users.v1.ListUsersResponse;
import com.acme.users.v1.User;
import com.acme.users.v1.UserServiceGrpc;
import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** acme.users.v1.UserService over an in-memory {@link UserStore}. */
final class UserServiceImpl extends UserServiceGrpc.UserServiceImplBase {
  static final String ERROR_DOMAIN = "users.acme.example";
  static final int MAX_DELAY_MS = 60_000;
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;

  private final UserStore store;
  private final ScheduledExecutorService timer;

  UserServiceImpl(UserStore store, ScheduledExecutorService timer) {
    this.store = store;
    this.timer = timer;
  }

  @Override
  public void getUser(GetUserRequest req, StreamObserver<User> out) {
    int delay = Math.min(req.getDelayMs(), MAX_DELAY_MS);
    if (delay <= 0) {
      answerGetUser(req.getId(), out);
      return;
    }
    // Wait on a timer, not a request thread; a caller whose deadline passed meanwhile gets nothing.
    ServerCallStreamObserver<User> call = (ServerCallStreamObserver<User>) out;
    call.setOnCancelHandler(() -> {});
    timer.schedule(() -> {
      if (!call.isCancelled()) answerGetUser(req.getId(), call);
    }, delay, TimeUnit.MILLISECONDS);
  }

  private void answerGetUser(long id, StreamObserver<User> out) {
    User user = store.get(id);
    if (user == null) {
      out.onError(notFound(id));
      return;
    }
    out.onNext(user);
    out.onCompleted();
  }

  @Override
  public void createUser(CreateUserRequest req, StreamObserver<User> out) {
    String email = req.getEmail().trim();
    if (!email.matches("[^@\\s]+@[^@\\s]+")) {
      out.onError(badRequest("email", "must be an address like name@example.com, got \"" + req.getEmail() + "\""));
      return;
    }
    if (req.getDisplayName().isBlank()) {
      out.onError(badRequest("display_name", "must not be empty"));
      return;
    }
    User.Builder user = User.newBuilder()
        .setEmail(email)
        .setDisplayName(req.getDisplayName())
        .setStatus(User.Status.ACTIVE)
        .putAllLabels(req.getLabelsMap())
        .addAllRoles(req.getRolesList())
        .setCreatedAt(now());
    if (req.hasAddress()) user.setAddress(req.getAddress());
    if (req.hasInitialBalance()) user.setBalance(req.getInitialBalance());
    User created;
    synchronized (store) {
      if (store.emailTaken(email)) {
        out.onError(io.grpc.Status.ALREADY_EXISTS
            .withDescription("a user with email " + email + " already exists")
            .asRuntimeException());
        return;
      }
      created = store.create(user);
    }
    out.onNext(created);
    out.onCompleted();
  }

  @Override
  public void listUsers(ListUsersRequest req, StreamObserver<ListUsersResponse> out) {
    int size = req.getPageSize();
    if (size < 0 || size > MAX_PAGE_SIZE) {
      out.onError(badRequest("page_size", "must be 0.." + MAX_PAGE_SIZE + ", got " + size));
      return;
    }
    if (size == 0) size = DEFAULT_PAGE_SIZE;
    long after = Long.MIN_VALUE;
    if (!req.getPageToken().isEmpty()) {
      try {
        after = Long.parseLong(req.getPageToken());
      } catch (NumberFormatException e) {
        out.onError(badRequest("page_token", "is not a token from a previous page"));
        return;
      }
    }
    User.Status status = req.getStatus();
    Predicate<User> filter = status == User.Status.STATUS_UNSPECIFIED ? u -> true : u -> u.getStatus() == status;
    List<User> page = store.page(after, size, filter);
    ListUsersResponse.Builder resp = ListUsersResponse.newBuilder()
        .addAllUsers(page)
        .setTotalSize(store.count(filter));
    if (!page.isEmpty()) {
      long last = page.get(page.size() - 1).getId();
      if (store.hasMoreAfter(last, filter)) resp.setNextPageToken(Long.toString(last));
    }
    out.onNext(resp.build());
    out.onCompleted();
  }

  /** NOT_FOUND carrying google.rpc details in grpc-status-details-bin. */
  static StatusRuntimeException notFound(long id) {
    Status status = Status.newBuilder()
        .setCode(Code.NOT_FOUND_VALUE)
        .setMessage("user " + id + " not found")
        .addDetails(Any.pack(ErrorInfo.newBuilder()
            .setReason("USER_NOT_FOUND")
            .setDomain(ERROR_DOMAIN)
            .putMetadata("userId", Long.toString(id))
            .build()))
        .addDetails(Any.pack(ResourceInfo.newBuilder()
            .setResourceType("acme.users.v1.User")
            .setResourceName("users/" + id)
            .setDescription("no user has this id")
            .build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /** INVALID_ARGUMENT carrying a google.rpc.BadRequest that names the field. */
  static StatusRuntimeException badRequest(String field, String description) {
    Status status = Status.newBuilder()
        .setCode(Code.INVALID_ARGUMENT_VALUE)
        .setMessage(field + " " + description)
        .addDetails(Any.pack(BadRequest.newBuilder()
            .addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description))
            .build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  private static Timestamp now() {
    Instant t = Instant.now();
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
