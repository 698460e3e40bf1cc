import NIOCore
import NIOTLS

/// The login grace time: a connection that has not authenticated this long after it was accepted
/// is closed, whatever it sends (a silent client and one that trickles bytes alike). It sits right
/// after the TLS handler, so the deadline covers the handshake: a connection still in its
/// handshake at the deadline is closed without a word (no reply can reach it), one past it gets
/// ``LoginDeadlineExpired`` through the pipeline, which the connection's loop answers with a `421`.
/// The loop ends the deadline with ``LoginCompleted`` (an outbound user event) once AUTH succeeds.
/// Timed by the channel's event loop, so an embedded loop's clock drives it in the tests.
final class LoginDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let grace: TimeAmount
    private var handshakeDone: Bool
    private var timer: Scheduled<Void>?

    /// - Parameter secure: whether a TLS handshake comes first.
    init(grace: TimeAmount, secure: Bool) {
        self.grace = grace
        handshakeDone = !secure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: grace) {
            let (handler, context) = loopBound.value
            handler.expire(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            handshakeDone = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is LoginCompleted {
            cancel()
            promise?.succeed(())
        } else {
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func expire(context: ChannelHandlerContext) {
        timer = nil
        if handshakeDone {
            context.fireUserInboundEventTriggered(LoginDeadlineExpired())
        } else {
            context.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}

/// The login grace time is over (delivered to the connection's loop as ``InboundEvent/loginTimeout``).
struct LoginDeadlineExpired: Sendable {}

/// Sent by the connection's loop once AUTH has succeeded: the login deadline no longer applies.
struct LoginCompleted: Sendable {}
