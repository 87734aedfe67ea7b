// Types shared by Thrift services; referenced as `shared.<Name>` from files that include it.
namespace java acme.shared.thrift
namespace php Acme.Shared
namespace js shared

typedef i64 OrderId
typedef i64 UserId

enum Currency {
  USD = 1,
  EUR = 2,
  GBP = 3,
}

/** An amount in minor units (cents): 1999 EUR is 19.99 EUR. */
struct Money {
  1: required Currency currency,
  2: required i64 amountMinor,
}

exception InvalidArgument {
  1: string message,
  2: string field,
} (transmesh.code = "INVALID_ARGUMENT")
