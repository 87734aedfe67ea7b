<?php
// A PHP application as a mesh provider: no SDK, no generated code. The provider sidecar sends
// every call as `POST /<service>/<method>` with the request as JSON (64-bit integers as plain
// numbers with `?int64=number` on its --provide URL) and reads the answer as JSON:
//
//   transmesh sidecar --app users-php \
//     --provide acme.users.v1.UserService=http://127.0.0.1:8080?int64=number \
//     --provide orders.OrderService=http://127.0.0.1:8080?int64=number
//   php -S 127.0.0.1:8080 examples-php/provider.php      (or behind php-fpm)
//
// gRPC, Thrift and JSON callers all reach it through their own sidecars.

$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$request = json_decode(file_get_contents('php://input'), true) ?? [];
$caller = $_SERVER['HTTP_X_TRANSMESH_CALLER'] ?? '';

// Answer metadata goes back to the caller as grpc-metadata-* headers.
header('grpc-metadata-served-by: php');
header('grpc-metadata-caller: ' . $caller);
header('content-type: application/json');

function answer(array $value): void
{
    echo json_encode($value, JSON_UNESCAPED_SLASHES);
}

// The mesh's error envelope: the code reaches every caller as its gRPC status, HTTP status or
// Thrift exception.
function fail(int $http, string $code, string $message, ?array $thrift = null): void
{
    http_response_code($http);
    $error = ['code' => $code, 'message' => $message];
    if ($thrift !== null) $error['thrift'] = $thrift;
    echo json_encode(['error' => $error]);
}

$users = [
    42 => ['id' => 42, 'email' => 'ada@example.com', 'displayName' => 'Ada', 'status' => 'ACTIVE', 'roles' => ['admin']],
    PHP_INT_MAX => ['id' => PHP_INT_MAX, 'email' => 'max@example.com', 'displayName' => 'Max'],
];

switch ($path) {
    case '/acme.users.v1.UserService/GetUser':
        $id = $request['id'] ?? 0;
        if (isset($users[$id])) {
            answer($users[$id]);
        } elseif ($id === 13) {
            // Not what the IDL says a User is: the mesh refuses it as INTERNAL, naming the field.
            answer(['id' => 13, 'email' => 5]);
        } else {
            fail(404, 'NOT_FOUND', "no user $id");
        }
        break;
    case '/orders.OrderService/getOrder':
        $id = $request['id'] ?? 0;
        if ($id === 7) {
            answer(['id' => 7, 'userId' => 42, 'status' => 'PAID', 'items' => [], 'totals' => ['EUR' => 3998]]);
        } else {
            // A declared exception: Thrift callers get OrderNotFound itself.
            fail(404, 'NOT_FOUND', "no order $id", ['exception' => 'orders.OrderNotFound', 'value' => ['message' => "no order $id", 'orderId' => $id]]);
        }
        break;
    default:
        http_response_code(404);
        echo 'no such method';
}
