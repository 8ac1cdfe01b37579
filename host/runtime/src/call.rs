//! Calling a block: a fresh store per call with its deadline, limits and capability gate, the call run under a pool slot, its failure classified, its output validated.

use super::*;

impl Runtime {
    pub(crate) fn store(&self, block: &LoadedBlock, call: &Call) -> Store<HostState> {
        let mut store = Store::new(&self.engine, self.state(block, call));
        store.limiter(|s| &mut s.limiter);
        let ticks = self
            .config
            .call_timeout
            .as_millis()
            .div_ceil(engine::EPOCH_TICK.as_millis())
            .max(1);
        store.set_epoch_deadline(ticks as u64);
        store.epoch_deadline_trap();
        store
    }

    /// The capability gate and sandbox data of one call.
    pub(crate) fn state(&self, block: &LoadedBlock, call: &Call) -> HostState {
        let scope = Scope {
            installation: call.installation.clone(),
            block_id: block.manifest.raw.id.clone(),
            block_version: block.manifest.raw.version.clone(),
            citizen: call.ctx.citizen.clone(),
            municipality: call.ctx.municipality.clone(),
            now_ms: call.ctx.now_ms,
        };
        HostState::new(StateConfig {
            scope,
            requested: block.requested.clone(),
            permissions: call.permissions.clone(),
            provider: call.provider.clone(),
            max_memory_bytes: self.config.max_memory_bytes,
            max_calls: self.config.max_capability_calls,
            max_log_bytes: self.config.max_log_bytes,
        })
    }

    /// Name a failed call for what it was.
    pub(crate) fn classify(&self, store: &Store<HostState>, error: wasmtime::Error) -> CallError {
        if let Some(limit) = error.downcast_ref::<HostLimit>() {
            return CallError::Limit(limit.clone());
        }
        let state = store.data();
        // A full stdout/stderr pipe makes Rust's `print!` panic; name the cause instead.
        if state.stderr.contents().len() >= self.config.max_log_bytes {
            return CallError::Limit(HostLimit::TooMuchLog(self.config.max_log_bytes));
        }
        let memory = CallError::MemoryLimit {
            limit_mib: self.config.max_memory_bytes / (1024 * 1024),
        };
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => CallError::Timeout {
                limit_ms: self.config.call_timeout.as_millis() as u64,
            },
            Some(Trap::StackOverflow) => CallError::StackOverflow,
            Some(_) if state.limiter.memory_refused => memory,
            Some(Trap::UnreachableCodeReached) => {
                let stderr = String::from_utf8_lossy(&state.stderr.contents()).into_owned();
                // Rust prints "thread '..' panicked at FILE:LINE:COL:" and the message on
                // the next line.
                let mut lines = stderr.lines();
                let message = lines
                    .by_ref()
                    .find_map(|l| {
                        l.split_once("panicked at ")
                            .map(|(_, at)| at.trim_end_matches(':').to_owned())
                    })
                    .map(|at| match lines.next() {
                        Some(m) if !m.trim().is_empty() => format!("{} (at {at})", m.trim()),
                        _ => at,
                    })
                    .or_else(|| {
                        stderr
                            .lines()
                            .rev()
                            .find(|l| !l.trim().is_empty())
                            .map(str::to_owned)
                    })
                    .unwrap_or_else(|| "no message".into());
                CallError::Panic {
                    message: truncate(&message, 500),
                }
            }
            Some(trap) => CallError::Trap {
                message: trap.to_string(),
            },
            None if state.limiter.memory_refused => memory,
            None => CallError::Trap {
                message: truncate(&format!("{error:#}"), 500),
            },
        }
    }

    /// Run `f` on a fresh instance with a deadline, and classify any failure.
    pub(crate) async fn run<T>(
        &self,
        block: &LoadedBlock,
        call: &Call,
        f: impl AsyncFnOnce(&Pre, &mut Store<HostState>) -> wasmtime::Result<T>,
    ) -> Result<T, CallError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| CallError::Host(e.to_string()))?;
        let mut store = self.store(block, call);
        let started = Instant::now();
        // The epoch deadline stops guest code; this timeout also bounds time spent in
        // host calls (a slow database), with a little slack so the epoch fires first.
        let limit =
            self.config.call_timeout + self.config.call_timeout / 2 + Duration::from_millis(50);
        let outcome = tokio::time::timeout(limit, f(&block.pre, &mut store)).await;
        let result = match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.classify(&store, e)),
            Err(_) => Err(CallError::Timeout {
                limit_ms: self.config.call_timeout.as_millis() as u64,
            }),
        };
        if tracing::enabled!(tracing::Level::DEBUG) {
            let output = store.data().stderr.contents();
            if !output.is_empty() {
                tracing::debug!(block = %block.manifest.raw.id, output = %String::from_utf8_lossy(&output), "block output");
            }
        }
        tracing::debug!(
            block = %block.manifest.raw.id,
            municipality = %call.ctx.municipality,
            outcome = result.as_ref().err().map_or("ok", CallError::kind),
            version = %block.manifest.raw.version,
            elapsed_us = started.elapsed().as_micros() as u64,
            "block call"
        );
        result
    }

    pub(crate) async fn describe(
        &self,
        block: &LoadedBlock,
    ) -> Result<model::RawManifest, CallError> {
        let call = Call {
            ctx: CallContext {
                citizen: String::new(),
                municipality: String::new(),
                locale: model::Locale::Da,
                view: String::new(),
                config: "{}".into(),
                now_ms: 0,
            },
            installation: String::new(),
            permissions: Permissions::default(),
            provider: Arc::new(crate::memory::MemoryProvider::new(Default::default())),
        };
        self.run(block, &call, async |pre, store| {
            with_instance!(pre, store, |guest, v| Ok(v::manifest(
                guest.call_describe(&mut *store).await?
            )))
        })
        .await
    }

    pub(crate) fn finish(
        &self,
        outcome: Result<(Option<String>, Vec<model::FlatElement>), BlockFault>,
    ) -> Result<Page, CallError> {
        let (title, flat) = outcome?;
        let page = validate::page(title, flat).map_err(CallError::InvalidUi)?;
        let size = validate::weight(&page);
        if size > self.config.max_output_bytes {
            return Err(CallError::OutputTooLarge {
                size,
                limit: self.config.max_output_bytes,
            });
        }
        Ok(page)
    }

    /// Render the view named in the call's context.
    pub async fn render(&self, block: &LoadedBlock, call: &Call) -> Result<Page, CallError> {
        let ctx = &call.ctx;
        let outcome = self
            .run(block, call, async |pre, store| {
                with_instance!(pre, store, |guest, v| {
                    let r = guest.call_render(&mut *store, &v::context(ctx)).await?;
                    Ok(r.map(v::page).map_err(v::block_error))
                })
            })
            .await?;
        self.finish(outcome)
    }

    /// Send an action to the block and return the page it shows next.
    pub async fn handle_action(
        &self,
        block: &LoadedBlock,
        call: &Call,
        action: &Action,
    ) -> Result<Page, CallError> {
        let ctx = &call.ctx;
        let outcome = self
            .run(block, call, async |pre, store| {
                with_instance!(pre, store, |guest, v| {
                    let r = guest
                        .call_handle_action(&mut *store, &v::context(ctx), &v::action(action))
                        .await?;
                    Ok(r.map(v::page).map_err(v::block_error))
                })
            })
            .await?;
        self.finish(outcome)
    }

    /// Tell the block about an event. Blocks for contract 1.0 have no events; for them
    /// this is [`CallError::Unsupported`], which callers treat as "not interested".
    pub async fn on_event(
        &self,
        block: &LoadedBlock,
        call: &Call,
        event: &Event,
    ) -> Result<(), CallError> {
        if let Pre::V1_0(_) = block.pre {
            return Err(CallError::Unsupported(format!(
                "the block targets contract {}, which has no events (they came in 1.1)",
                block.contract
            )));
        }
        let ctx = &call.ctx;
        let outcome = self
            .run(block, call, async |pre, store| match pre {
                Pre::V1_0(_) => unreachable!("checked above"),
                Pre::V1_1(p) => {
                    let b = p.instantiate_async(&mut *store).await?;
                    let r = b
                        .jobunivers_block_block()
                        .call_on_event(
                            &mut *store,
                            &adapt::adapt_v1_1::context(ctx),
                            &adapt::event_v1_1(event),
                        )
                        .await?;
                    Ok(r.map_err(adapt::adapt_v1_1::block_error))
                }
                Pre::V1_2(p) => {
                    let b = p.instantiate_async(&mut *store).await?;
                    let r = b
                        .jobunivers_block_block()
                        .call_on_event(
                            &mut *store,
                            &adapt::adapt_v1_2::context(ctx),
                            &adapt::event_v1_2(event),
                        )
                        .await?;
                    Ok(r.map_err(adapt::adapt_v1_2::block_error))
                }
            })
            .await?;
        outcome.map_err(Into::into)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
