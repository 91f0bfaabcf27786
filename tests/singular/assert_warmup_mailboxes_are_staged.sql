-- Each warmup_analytics mailbox exists among the staged mailboxes.
select warmup.id
from {{ ref('warmup_analytics') }} as warmup
left join {{ ref('stg_oltp__email_accounts') }} as mailboxes
    on warmup.mailbox_id = mailboxes.mailbox_id
where mailboxes.mailbox_id is null
