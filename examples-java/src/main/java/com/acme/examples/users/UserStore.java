package com.acme.examples.users;

import com.acme.common.v1.Money;
import com.acme.users.v1.User;
import com.google.protobuf.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/** In-memory users by id, seeded with fixtures that exercise the JSON mapping (64-bit edges included). */
final class UserStore {
  /** The id that shows whether a caller's 64-bit integers survive the trip: Long.MAX_VALUE. */
  static final long MAX_ID = Long.MAX_VALUE;

  private final NavigableMap<Long, User> byId = new TreeMap<>();
  private long nextId = 1000;

  static UserStore seeded() {
    UserStore s = new UserStore();
    s.put(User.newBuilder()
        .setId(1)
        .setEmail("ada@acme.test")
        .setDisplayName("Ada Lovelace")
        .setStatus(User.Status.ACTIVE)
        .setAddress(User.Address.newBuilder().setStreet("12 St James Square").setCity("London").setCountryCode("GB"))
        .putLabels("team", "research")
        .addRoles("admin")
        .addRoles("engineer")
        .setCreatedAt(Timestamp.newBuilder().setSeconds(1705312800L)) // 2024-01-15T10:00:00Z
        .setBalance(Money.newBuilder().setCurrencyCode("EUR").setUnits(1250).setNanos(500_000_000))
        .build());
    s.put(User.newBuilder()
        .setId(2)
        .setEmail("grace@acme.test")
        .setDisplayName("Grace Hopper")
        .setStatus(User.Status.SUSPENDED)
        .addRoles("engineer")
        .setCreatedAt(Timestamp.newBuilder().setSeconds(1706745600L).setNanos(123_000_000)) // 2024-02-01T00:00:00.123Z
        .setBalance(Money.newBuilder().setCurrencyCode("USD").setUnits(-42).setNanos(-500_000_000))
        .build());
    s.put(User.newBuilder()
        .setId(MAX_ID)
        .setEmail("max@acme.test")
        .setDisplayName("Max Int64")
        .setStatus(User.Status.ACTIVE)
        .putLabels("fixture", "int64-edge")
        .setCreatedAt(Timestamp.newBuilder().setSeconds(1704067200L)) // 2024-01-01T00:00:00Z
        .setBalance(Money.newBuilder().setCurrencyCode("USD").setUnits(MAX_ID))
        .build());
    return s;
  }

  synchronized User get(long id) {
    return byId.get(id);
  }

  synchronized boolean emailTaken(String email) {
    return byId.values().stream().anyMatch(u -> u.getEmail().equalsIgnoreCase(email));
  }

  /** Stores a new user under the next free id and returns it as stored. */
  synchronized User create(User.Builder user) {
    while (byId.containsKey(nextId)) nextId++;
    User created = user.setId(nextId++).build();
    byId.put(created.getId(), created);
    return created;
  }

  /** Up to {@code limit} users with id greater than {@code afterId}, in id order. */
  synchronized List<User> page(long afterId, int limit, Predicate<User> filter) {
    List<User> out = new ArrayList<>();
    for (Map.Entry<Long, User> e : byId.tailMap(afterId, false).entrySet()) {
      if (out.size() == limit) break;
      if (filter.test(e.getValue())) out.add(e.getValue());
    }
    return out;
  }

  synchronized long count(Predicate<User> filter) {
    return byId.values().stream().filter(filter).count();
  }

  /** True when some matching user has an id greater than {@code afterId}. */
  synchronized boolean hasMoreAfter(long afterId, Predicate<User> filter) {
    return byId.tailMap(afterId, false).values().stream().anyMatch(filter);
  }

  private synchronized void put(User u) {
    byId.put(u.getId(), u);
  }
}
