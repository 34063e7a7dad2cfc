# A team rule next to the built-in ones: an instance tagged freeze=true is
# not upgraded (the plan is denied, so CI fails and apply refuses it).
package rdsup.team

deny contains {"msg": sprintf("%s: tagged freeze=true (remove the tag to upgrade it)", [input.instance.id])} if {
	input.instance.tags.freeze == "true"
}
