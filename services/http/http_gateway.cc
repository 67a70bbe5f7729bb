#include "services/http/http_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "aiotreach/v1/service.grpc.pb.h"
#include "services/http/static_files.h"
#include "services/io/report_format.h"

namespace aiotreach {
namespace {

namespace pb = google::protobuf;

constexpr char kJson[] = "application/json";

// Responses as the CLI writes JSON (field names as in the .proto files,
// zeros and empty strings printed), on one line.
std::string ToJson(const pb::Message& message) {
  return MessageToJson(message, /*indented=*/false);
}

// The field an error message names: our messages start "field: ..."
// (placements[0].budget, request.scenario.seed, --flag) with no space in
// the field. Empty if the message does not.
std::string FieldOf(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  const absl::string_view head = message.substr(0, colon);
  for (const char c : head) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return "";
  }
  return std::string(head);
}

// {"error": {"code": ..., "http_status": ..., "message": ..., "field": ...}}
// with the field the message names, or `field` if given.
void SendError(httplib::Response& res, int status, absl::string_view code,
               absl::string_view message, absl::string_view field = "") {
  res.status = status;
  res.set_content(
      absl::StrCat(
          "{\"error\": {\"code\": ", JsonString(code),
          ", \"http_status\": ", status, ", \"message\": ", JsonString(message),
          ", \"field\": ", JsonString(field.empty() ? FieldOf(message) : field),
          "}}\n"),
      kJson);
}

// The field of a JSON parse error: protobuf writes "(scenario.seed): ...".
std::string ParseErrorField(absl::string_view message) {
  const size_t close = message.find("):");
  if (message.empty() || message[0] != '(' || close == absl::string_view::npos)
    return "";
  return std::string(message.substr(1, close - 1));
}

void SendGrpcError(httplib::Response& res, const grpc::Status& status) {
  const int code = static_cast<int>(status.error_code());
  SendError(res, HttpStatusOf(code),
            absl::StatusCodeToString(static_cast<absl::StatusCode>(code)),
            status.error_message());
}

// The routes, for 404 against 405 and for the metrics' route label.
struct RouteSpec {
  const char* pattern;  // a regex over the whole path
  const char* method;   // "GET" or "POST"
};
constexpr RouteSpec kRoutes[] = {
    {"/healthz", "GET"},    {"/metrics", "GET"},      {"/", "GET"},
    {"/index.html", "GET"}, {"/assets/[^/]+", "GET"}, {"/v1/[A-Za-z]+", "POST"},
};

// The route a path falls under, or null for none.
const RouteSpec* RouteOf(const std::string& path) {
  static const std::vector<std::regex>* const kCompiled = [] {
    auto* compiled = new std::vector<std::regex>();
    for (const RouteSpec& r : kRoutes) compiled->emplace_back(r.pattern);
    return compiled;
  }();
  for (size_t i = 0; i < kCompiled->size(); ++i) {
    if (std::regex_match(path, (*kCompiled)[i])) return &kRoutes[i];
  }
  return nullptr;
}

}  // namespace

int HttpStatusOf(int grpc_code) {
  switch (static_cast<grpc::StatusCode>(grpc_code)) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    const HttpOptions& options, std::shared_ptr<grpc::Channel> channel,
    HttpHooks hooks) {
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http_listen: want host:port, got '", options.listen, "'"));
  }
  std::string host = options.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::unique_ptr<HttpGateway> gateway(new HttpGateway());
  gateway->channel_ = std::move(channel);
  gateway->hooks_ = std::move(hooks);
  if (!options.tls_cert.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(),
                                                    options.tls_key.c_str());
    if (!tls->is_valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_cert, --tls_key: cannot serve HTTPS with ",
                       options.tls_cert, " and ", options.tls_key));
    }
    gateway->server_ = std::move(tls);
  } else {
    gateway->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *gateway->server_;
  server.set_payload_max_length(static_cast<size_t>(options.max_body_bytes));
  gateway->AddRoutes();
  const int bound = port == 0 ? server.bind_to_any_port(host)
                              : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(
        absl::StrCat("--http_listen: cannot listen on '", options.listen,
                     "' (in use, or not an address of this machine)"));
  }
  gateway->address_ = absl::StrCat(options.listen.substr(0, colon), ":", bound);
  auto ended = std::make_shared<std::atomic<bool>>(false);
  gateway->thread_ = std::thread([&server, ended] {
    server.listen_after_bind();
    *ended = true;
  });
  // httplib's stop() does nothing before the listening loop runs: wait for
  // it, so that a Shutdown right after Start cannot leave it running.
  while (!server.is_running() && !*ended)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return gateway;
}

HttpGateway::~HttpGateway() { Shutdown(); }

void HttpGateway::Shutdown() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void HttpGateway::AddRoutes() {
  httplib::Server& server = *server_;
  HttpHooks& hooks = hooks_;
  // Every answer is counted under its route, and every error has a JSON
  // body: httplib's own (404, 413, 400 for a malformed request) too.
  server.set_error_handler([](const httplib::Request& req,
                              httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      if (const RouteSpec* r = RouteOf(req.path); r != nullptr) {
        res.set_header("Allow", r->method);
        SendError(res, 405, "METHOD_NOT_ALLOWED",
                  absl::StrCat(req.method, " ", req.path, ": use ", r->method));
      } else {
        SendError(res, 404, "NOT_FOUND",
                  absl::StrCat("no route for ", req.method, " ", req.path,
                               " (see docs/SERVICE.md)"));
      }
    } else if (res.status == 413) {
      SendError(res, 413, "PAYLOAD_TOO_LARGE",
                "request body: larger than --max_message_mb allows");
    } else {
      SendError(res, res.status, "BAD_REQUEST",
                absl::StrCat("request: not a valid HTTP request (status ",
                             res.status, ")"));
    }
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SendError(res, 500, "INTERNAL", "the gateway failed on this request");
      });
  server.set_logger(
      [&hooks](const httplib::Request& req, const httplib::Response& res) {
        const RouteSpec* r = RouteOf(req.path);
        if (hooks.answered)
          hooks.answered(r != nullptr ? r->pattern : "other", res.status);
      });

  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\": \"SERVING\"}\n", kJson);
  });
  server.Get("/metrics",
             [&hooks](const httplib::Request& req, httplib::Response& res) {
               if (!hooks.allows(req.get_header_value("Authorization"))) {
                 SendError(res, 401, "UNAUTHENTICATED",
                           "send \"Authorization: Bearer <token>\" with the "
                           "server's token (--auth_token_file)");
                 return;
               }
               res.set_content(hooks.metrics(),
                               "text/plain; version=0.0.4; charset=utf-8");
             });
  // The page and its assets, built into the binary.
  auto page = [](const std::string& name, httplib::Response& res) {
    const StaticFile* file = FindStaticFile(name);
    if (file == nullptr) {
      SendError(res, 404, "NOT_FOUND", absl::StrCat("no such file: ", name));
      return;
    }
    res.set_content(std::string(file->content), file->content_type);
  };
  server.Get("/", [page](const httplib::Request&, httplib::Response& res) {
    page("index.html", res);
  });
  server.Get("/index.html",
             [page](const httplib::Request&, httplib::Response& res) {
               page("index.html", res);
             });
  server.Get(R"(/assets/([^/]+))",
             [page](const httplib::Request& req, httplib::Response& res) {
               page(req.matches[1].str(), res);
             });

  // The API: the method is looked up in the service's descriptor, so the
  // request and response types are the gRPC method's own.
  server.Post(R"(/v1/([A-Za-z]+))", [this](const httplib::Request& req,
                                           httplib::Response& res) {
    const std::string name = req.matches[1].str();
    const pb::MethodDescriptor* method =
        pb::DescriptorPool::generated_pool()
            ->FindServiceByName("aiotreach.v1.ReachService")
            ->FindMethodByName(name);
    if (method == nullptr) {
      SendError(res, 404, "NOT_FOUND",
                absl::StrCat("no method ", name,
                             " in aiotreach.v1.ReachService (POST /v1/<Method> "
                             "with a method of proto/aiotreach/v1/"
                             "service.proto)"));
      return;
    }
    const pb::Message* prototype =
        pb::MessageFactory::generated_factory()->GetPrototype(
            method->input_type());
    std::unique_ptr<pb::Message> request(prototype->New());
    const std::string body = req.body.empty() ? "{}" : req.body;
    pb::util::JsonParseOptions parse;
    const auto parsed =
        pb::util::JsonStringToMessage(body, request.get(), parse);
    if (!parsed.ok()) {
      const std::string why(parsed.message());
      SendError(res, 400, "INVALID_ARGUMENT",
                absl::StrCat("request body: not a ",
                             method->input_type()->name(), " in JSON: ", why),
                ParseErrorField(why));
      return;
    }
    auto context = std::make_shared<grpc::ClientContext>();
    if (req.has_header("Authorization"))
      context->AddMetadata("authorization",
                           req.get_header_value("Authorization"));
    const std::string path =
        absl::StrCat("/", method->service()->full_name(), "/", name);
    if (method->server_streaming()) {
      // One JSON message a line, as they come (application/x-ndjson); an
      // error after the first line comes as a last line {"error": ...}.
      const auto* watch =
          dynamic_cast<const v1::WatchRunRequest*>(request.get());
      if (watch == nullptr) {
        SendError(res, 501, "UNIMPLEMENTED",
                  absl::StrCat(name, ": streaming over HTTP is not offered"));
        return;
      }
      auto stub = std::make_shared<v1::ReachService::Stub>(channel_);
      auto reader = std::shared_ptr<grpc::ClientReader<v1::WatchRunResponse>>(
          stub->WatchRun(context.get(), *watch));
      // The first message (or the error) decides the status line.
      auto first = std::make_shared<v1::WatchRunResponse>();
      if (!reader->Read(first.get())) {
        SendGrpcError(res, reader->Finish());
        return;
      }
      res.set_chunked_content_provider(
          "application/x-ndjson",
          [stub, context, reader, first](size_t, httplib::DataSink& sink) {
            std::string line = ToJson(*first) + "\n";
            bool open = sink.write(line.data(), line.size());
            v1::WatchRunResponse next;
            while (open && reader->Read(&next)) {
              line = ToJson(next) + "\n";
              open = sink.write(line.data(), line.size());
            }
            if (!open) context->TryCancel();  // the client went away
            const grpc::Status status = reader->Finish();
            if (open && !status.ok()) {
              httplib::Response error;
              SendGrpcError(error, status);
              sink.write(error.body.data(), error.body.size());
            }
            if (open) sink.done();
            return open;
          });
      return;
    }
    std::unique_ptr<pb::Message> response(
        pb::MessageFactory::generated_factory()
            ->GetPrototype(method->output_type())
            ->New());
    const grpc::internal::RpcMethod rpc(path.c_str(),
                                        grpc::internal::RpcMethod::NORMAL_RPC);
    const grpc::Status status =
        grpc::internal::BlockingUnaryCall<pb::Message, pb::Message>(
            channel_.get(), rpc, context.get(), *request, response.get());
    if (!status.ok()) {
      SendGrpcError(res, status);
      return;
    }
    res.set_content(ToJson(*response) + "\n", kJson);
  });
}

}  // namespace aiotreach
