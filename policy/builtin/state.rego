# METADATA
# title: Instance state
# description: >-
#   The instance must be Running. An instance that is upgrading, stopped,
#   switching (TRANSING) or in any other state is not upgraded.
package rdsup.state

# One rule, one test per step: every step passes through it, and a
# Running instance must cost as little as possible.
deny contains msg if {
	not input.instance.status == "Running"
	msg := message
}

message := sprintf("instance %s has no status; set `status: Running` in the inventory once you checked it is running", [input.instance.id]) if {
	not input.instance.status
} else := sprintf("instance %s is %s, not Running; wait until it is Running (or fix it), then plan again", [input.instance.id, status_text])

status_text := "in no known state (status is empty)" if input.instance.status == ""

else := input.instance.status
